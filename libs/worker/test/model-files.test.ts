// The trained model a run leaves in --out: rank 0 saves it at the end (model-files.ts), and plain tfjs loads it
// (tf.loadLayersModel, no ringtrain code) to the run's own parameters and its final test accuracy.

import { readFile, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { getFlatParams, getFlatState } from '@ringtrain/models';
import { MODEL_DIR } from '../src/model-files.js';
import { hashFloat32 } from '../src/param-hash.js';
import { config, mnistSlice, trainRanks } from './training-fixtures.js';

/** tf.loadLayersModel on the two files, through tfjs's in-memory IO (tfjs-node's file:// reads the same). */
async function loadSaved(dir: string): Promise<tf.LayersModel> {
  const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { modelTopology: object; weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }> };
  const [manifest] = modelJson.weightsManifest;
  const bytes = await readFile(join(dir, manifest!.paths[0]!));
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: manifest!.weights, weightData }));
}

describe('the trained model in --out', () => {
  it.each(['mlp', 'cnn'] as const)('%s: rank 0 saves it once; loaded by plain tfjs it has the final parameters and the run\'s test accuracy', async (model) => {
    const dataset = await mnistSlice(1024, 200);
    const out = await mkdtemp(join(tmpdir(), 'ringtrain-model-'));
    const saved: Array<[number, string]> = [];
    let accuracy = NaN;
    const runs = await trainRanks(2, config({ model, batchSize: 32, epochs: 2, lr: 0.02, out }), dataset, (rank) => ({
      hooks: { onModelSaved: (dir) => saved.push([rank, dir]), onEvaluation: (e) => (accuracy = e.testAccuracy) },
    }));
    expect(saved).toEqual([[0, join(out, MODEL_DIR)]]);
    expect((await readdir(join(out, MODEL_DIR))).sort()).toEqual(['model.json', 'weights.bin']); // no temp file left
    const loaded = await loadSaved(join(out, MODEL_DIR));
    // Its parameters and batch-norm statistics are the run's, bit for bit: the hash every rank reported at the end.
    expect(hashFloat32(getFlatParams(loaded), getFlatState(loaded))).toBe(runs[0]!.totals.paramHash);
    expect(runs[1]!.totals.paramHash).toBe(runs[0]!.totals.paramHash);
    const { test } = dataset;
    const xs = tf.tensor(test.inputs, [test.size, ...dataset.inputShape]);
    const predicted = tf.tidy(() => (loaded.predict(xs) as tf.Tensor).argMax(-1).dataSync());
    const correct = predicted.reduce((sum, label, i) => sum + (label === test.labels[i] ? 1 : 0), 0);
    // The run evaluated with ringtrain's kernels, this with tfjs's: a borderline sample may round the other way.
    expect(Math.abs(correct / test.size - accuracy)).toBeLessThanOrEqual(1 / test.size);
    expect(accuracy).toBeGreaterThan(0.6); // it learned something, so the comparison means something
    xs.dispose();
    loaded.dispose();
  }, 30_000);
});
