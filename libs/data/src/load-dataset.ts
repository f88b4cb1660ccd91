// `--dataset SPEC`: one entry point from a spec string to a loaded Dataset.

import { InvalidArgumentError } from '@ringtrain/common';
import type { Dataset } from './dataset.js';
import { loadIdxDataset } from './idx-dataset.js';
import { loadMnist } from './mnist.js';
import { makeShapesDataset, type ShapesOptions } from './shapes.js';
import { makeSyntheticDataset, type SyntheticOptions } from './synthetic.js';

/** The spec forms loadDataset accepts, as listed in its errors. */
export const DATASET_SPECS = ['mnist', 'idx:DIR', 'shapes', 'synthetic'] as const;

export interface LoadDatasetOptions {
  /** The run's `--seed`, used by the generated datasets (shapes, synthetic). Default 0. */
  seed?: number;
  /** Options of `shapes` (its seed is `seed`). */
  shapes?: Omit<ShapesOptions, 'seed'>;
  /** Options of `synthetic` (its seed is `seed`). */
  synthetic?: Omit<SyntheticOptions, 'seed'>;
}

const IDX_PREFIX = 'idx:';

/**
 * Loads the dataset a `--dataset` spec names: `mnist` (the embedded 10,000 digits, 8,000/2,000), `idx:DIR`
 * (MNIST-layout IDX files in DIR, gzipped or not), `shapes` (seeded circles/squares/triangles with boxes) or
 * `synthetic` (seeded linear regression). Throws InvalidArgumentError with subject '--dataset' for an
 * unknown spec, and naming the file for a missing or corrupt IDX file.
 */
export async function loadDataset(spec: string, options: LoadDatasetOptions = {}): Promise<Dataset> {
  const seed = options.seed ?? 0;
  if (spec === 'mnist') return loadMnist();
  if (spec === 'shapes') return makeShapesDataset({ ...options.shapes, seed });
  if (spec === 'synthetic') return makeSyntheticDataset({ ...options.synthetic, seed });
  if (spec.startsWith(IDX_PREFIX)) {
    const dir = spec.slice(IDX_PREFIX.length);
    if (dir === '') throw new InvalidArgumentError('--dataset idx: needs a directory, as in idx:/data/fashion-mnist', { subject: '--dataset' });
    return loadIdxDataset(dir);
  }
  throw new InvalidArgumentError(`unknown dataset "${spec}": known datasets are ${DATASET_SPECS.join(', ')}`, { subject: '--dataset' });
}
