// The trained model in --out: rank 0 writes DIR/model/model.json and DIR/model/weights.bin at the end of a run,
// tfjs's own save format (exportModel), for tf.loadLayersModel. Each file is written to a temp file and renamed
// into place, weights first: a model.json that is there names weights that are complete.

import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportModel, WEIGHTS_FILE } from '@ringtrain/models';
import type * as tf from '@tensorflow/tfjs';

/** The directory under --out that holds the trained model. */
export const MODEL_DIR = 'model';

async function replaceFile(path: string, data: string | Uint8Array): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, data);
  await rename(temp, path);
}

/** Saves `model` into `out`/model; resolves to that directory. */
export async function writeModel(out: string, model: tf.Sequential): Promise<string> {
  const dir = join(out, MODEL_DIR);
  const { modelJson, weights } = await exportModel(model);
  await mkdir(dir, { recursive: true });
  await replaceFile(join(dir, WEIGHTS_FILE), weights);
  await replaceFile(join(dir, 'model.json'), `${JSON.stringify(modelJson)}\n`);
  return dir;
}
