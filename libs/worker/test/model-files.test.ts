// The trained model a run leaves in --out: rank 0 saves it at the end (model-files.ts), and plain tfjs loads it
// (tf.loadLayersModel, no ringtrain code) to the run's own parameters and its final test accuracy.

import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createModel, getFlatParams, getFlatState } from '@ringtrain/models';
import { MODEL_DIR, prepareModelDir, writeModel } from '../src/model-files.js';
import { hashFloat32 } from '../src/param-hash.js';
import { config, mnistSlice, trainRanks } from './training-fixtures.js';

/**
 * tf.loadLayersModel on the two files through tfjs's own http loader, as a web page or tfjs-node's file:// would
 * read them (model.json first, then the paths its weightsManifest names, relative to it); the fetches read `dir`.
 */
function loadSaved(dir: string): Promise<tf.LayersModel> {
  const fetchFunc = async (input: string | URL | Request): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    return new Response(await readFile(join(dir, url.pathname.slice('/model/'.length))));
  };
  return tf.loadLayersModel(tf.io.http('http://saved.invalid/model/model.json', { fetchFunc }));
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
    const correct = Array.from(predicted).filter((label, i) => label === test.labels[i]).length;
    // The run evaluated with ringtrain's kernels, this with tfjs's: a borderline sample may round the other way.
    expect(Math.abs(correct / test.size - accuracy)).toBeLessThanOrEqual(1 / test.size);
    expect(accuracy).toBeGreaterThan(0.6); // it learned something, so the comparison means something
    xs.dispose();
    loaded.dispose();
    await rm(out, { recursive: true });
  }, 30_000);
});

describe('the model directory', () => {
  it('a run checks --out before training: a path it cannot write is refused naming --out', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'ringtrain-model-')), 'a-file');
    await writeFile(file, 'not a directory');
    await expect(prepareModelDir(join(file, 'out'), { fresh: true })).rejects.toThrow(/^E_INVALID_ARGUMENT: --out .*a-file\/out: the trained model cannot be saved there \(ENOTDIR/);
  });

  it("a fresh run clears a previous run's model, a resumed one keeps it until it saves its own; saving replaces it and leaves no temp files", async () => {
    const out = await mkdtemp(join(tmpdir(), 'ringtrain-model-'));
    const old = join(out, MODEL_DIR, 'model.json');
    await mkdir(join(out, MODEL_DIR));
    await writeFile(old, '{"old": true}');
    await prepareModelDir(out, { fresh: false });
    expect(await readFile(old, 'utf8')).toBe('{"old": true}');
    await prepareModelDir(out, { fresh: true });
    expect(await readdir(out)).toEqual([]);
    await mkdir(join(out, MODEL_DIR));
    await writeFile(old, '{"old": true}');
    await writeFile(join(out, MODEL_DIR, 'stale.bin'), '');
    const model = createModel('linear', { inputShape: [4], numClasses: 2 });
    await writeModel(out, model);
    expect(await readdir(out)).toEqual([MODEL_DIR]);
    expect((await readdir(join(out, MODEL_DIR))).sort()).toEqual(['model.json', 'weights.bin']);
    expect(JSON.parse(await readFile(old, 'utf8'))).toMatchObject({ format: 'layers-model' });
    model.dispose();
    await rm(out, { recursive: true });
  });
});
