// `synthetic`: seeded random linear regression, the smallest real learning problem, for quick tests of the
// whole training path. x ~ U(-1, 1)^D, y = x . w + b + noise * N(0, 1), with w ~ U(-1, 1)^D and b ~ U(-1, 1)
// drawn from the seed too, and exposed so a test can compare what a model learned with the truth.

import { InvalidArgumentError } from '@ringtrain/common';
import type { Dataset, DatasetSplit } from './dataset.js';
import { requireInteger } from './options.js';
import { Mulberry32, mixSeed } from './prng.js';

export interface SyntheticOptions {
  /** Train samples, at least 1. Default 1024. */
  numTrain?: number;
  /** Test samples, at least 1. Default 256. */
  numTest?: number;
  /** Features per sample (D), at least 1. Default 8. */
  inputDim?: number;
  /** Standard deviation of the Gaussian noise added to y; 0 makes y exactly linear. Default 0.1. */
  noise?: number;
  /** Seed of w, b and both splits (separate streams). Default 0. */
  seed?: number;
}

export interface SyntheticDataset extends Dataset {
  readonly task: 'regression';
  /** The true weights w (D values). */
  readonly weights: Float32Array;
  /** The true bias b (a float32 value). */
  readonly bias: number;
  /** The noise standard deviation used. */
  readonly noise: number;
}

// Stream numbers mixed with the seed: the true parameters, the train split and the test split are unrelated.
const PARAMETER_STREAM = 0;
const TRAIN_STREAM = 1;
const TEST_STREAM = 2;

function uniformSigned(rng: Mulberry32): number {
  return 2 * rng.nextFloat() - 1;
}

function makeSplit(count: number, weights: Float32Array, bias: number, noise: number, rng: Mulberry32): DatasetSplit {
  const dim = weights.length;
  const inputs = new Float32Array(count * dim);
  const labels = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    // The dot product runs in float64 over the stored float32 x and w, so with noise 0 the label is exactly
    // fround(x . w + b) of the values a model sees.
    let y = bias;
    for (let j = 0; j < dim; j++) {
      inputs[i * dim + j] = uniformSigned(rng);
      y += inputs[i * dim + j]! * weights[j]!;
    }
    labels[i] = noise === 0 ? y : y + noise * rng.nextGaussian();
  }
  return { size: count, inputs, labels };
}

/** Builds the `synthetic` regression dataset: inputShape [inputDim], one float target per sample. */
export function makeSyntheticDataset(options: SyntheticOptions = {}): SyntheticDataset {
  const numTrain = requireInteger(options.numTrain ?? 1024, 'synthetic.numTrain', 1);
  const numTest = requireInteger(options.numTest ?? 256, 'synthetic.numTest', 1);
  const inputDim = requireInteger(options.inputDim ?? 8, 'synthetic.inputDim', 1);
  const seed = requireInteger(options.seed ?? 0, '--seed', 0);
  const noise = options.noise ?? 0.1;
  if (!Number.isFinite(noise) || noise < 0) {
    throw new InvalidArgumentError(`synthetic.noise must be a finite number >= 0, got ${noise}`, { subject: 'synthetic.noise' });
  }
  const parameters = new Mulberry32(mixSeed(seed, PARAMETER_STREAM));
  const weights = Float32Array.from({ length: inputDim }, () => uniformSigned(parameters));
  const bias = Math.fround(uniformSigned(parameters));
  const train = makeSplit(numTrain, weights, bias, noise, new Mulberry32(mixSeed(seed, TRAIN_STREAM)));
  const test = makeSplit(numTest, weights, bias, noise, new Mulberry32(mixSeed(seed, TEST_STREAM)));
  return { name: 'synthetic', task: 'regression', inputShape: [inputDim], numClasses: 0, targetSize: 1, numTrain, numTest, train, test, weights, bias, noise };
}
