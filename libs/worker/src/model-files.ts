// The trained model in --out: rank 0 writes DIR/model/model.json and DIR/model/weights.bin at the end of a run,
// tfjs's own save format (exportModel), for tf.loadLayersModel. Rank 0 writes on its own machine, into its --out
// (with `launch`, node 0's: beside summary.json). Both files go into a fresh directory first, which then replaces
// DIR/model: a reader never sees a model.json with another run's weights. A run checks at its start that it can
// write there (and clears a model a previous run left in DIR), so a wrong --out fails before training, not after.

import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, InvalidArgumentError, RunError } from '@ringtrain/common';
import { exportModel, WEIGHTS_FILE } from '@ringtrain/models';
import type * as tf from '@tensorflow/tfjs';

/** The directory under --out that holds the trained model. */
export const MODEL_DIR = 'model';

/** A name beside `path` that no other process or call uses. */
const scratchName = (path: string): string => `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

/**
 * Before training (rank 0): `out` exists (created if need be) and takes files; when `fresh` (a run from its start),
 * a model a previous run left there is removed, so the directory never pairs this run's summary with another's model.
 */
export async function prepareModelDir(out: string, { fresh }: { fresh: boolean }): Promise<void> {
  try {
    await mkdir(out, { recursive: true });
    const probe = scratchName(join(out, MODEL_DIR));
    await writeFile(probe, '');
    await rm(probe);
    if (fresh) await rm(join(out, MODEL_DIR), { recursive: true, force: true });
  } catch (err) {
    throw new InvalidArgumentError(`--out ${out}: the trained model cannot be saved there (${(err as Error).message})`, { subject: '--out' });
  }
}

/** Saves `model` into `out`/model, replacing what is there; resolves to that directory. */
export async function writeModel(out: string, model: tf.Sequential): Promise<string> {
  const dir = join(out, MODEL_DIR);
  const temp = scratchName(dir);
  try {
    const { modelJson, weights } = await exportModel(model);
    await mkdir(temp, { recursive: true });
    await writeFile(join(temp, WEIGHTS_FILE), weights);
    await writeFile(join(temp, 'model.json'), `${JSON.stringify(modelJson)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(temp, dir);
    return dir;
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw new RunError(ErrorCodes.WORKER_FAILED, `the trained model could not be saved to ${dir}: ${(err as Error).message}`);
  }
}
