// Train in Node, deploy in the browser: a cnn trained by `ringtrain launch` is loaded by tfjs in headless Chromium
// (playwright-core, Debian's chromium) over http from the run's --out, with tf.loadLayersModel('http://.../model.json')
// as a web page would, and predicts what the same files loaded by tfjs in Node predict.
// Chromium is optional on a developer's machine: without it the test is skipped, unless RINGTRAIN_EXPECT_BROWSER=1
// (set by .ci/run, which installs it) makes it fail instead.

import { createReadStream, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runCli } from '../training/cli-process.js';

const CHROMIUM = process.env.RINGTRAIN_CHROMIUM ?? '/usr/bin/chromium';
const expectBrowser = process.env.RINGTRAIN_EXPECT_BROWSER === '1';
const browserThere = existsSync(CHROMIUM);

/** tfjs's browser bundle, from the same package version as the one Node runs. */
const TFJS_BUNDLE = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs/package.json')), 'dist', 'tf.min.js');

/** Serves `files` (URL path -> file) on 127.0.0.1; a page at / that loads tfjs's bundle. */
async function serve(files: Record<string, string>): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const path = request.url?.split('?')[0] ?? '/';
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/tf.min.js"></script>');
      return;
    }
    const file = files[path];
    if (file === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': path.endsWith('.js') ? 'text/javascript' : path.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** What tfjs in Node predicts for `inputs` with the saved model (the two files, through tfjs's in-memory IO). */
async function predictInNode(modelDir: string, inputs: Float32Array, shape: number[]): Promise<number[]> {
  await tf.setBackend('cpu');
  const modelJson = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { modelTopology: object; weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }> };
  const [manifest] = modelJson.weightsManifest;
  const bytes = readFileSync(join(modelDir, manifest!.paths[0]!));
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: manifest!.weights, weightData }));
  const logits = tf.tidy(() => Array.from((model.predict(tf.tensor(inputs, shape)) as tf.Tensor).dataSync()));
  model.dispose();
  return logits;
}

describe.skipIf(!browserThere && !expectBrowser)('a model trained by ringtrain, in the browser', () => {
  it('headless Chromium loads the cnn from the run\'s --out over http and predicts as tfjs in Node does', async () => {
    expect(existsSync(CHROMIUM), `no browser at ${CHROMIUM} (RINGTRAIN_CHROMIUM)`).toBe(true);
    const out = mkdtempSync(join(tmpdir(), 'ringtrain-browser-'));
    const run = await runCli(['launch', '--nproc-per-node', '2', '--model', 'cnn', '--batch-size', '128', '--epochs', '1', '--out', out], 'browser-model');
    expect([run.code, run.stderr]).toEqual([0, '']);
    const modelDir = join(out, 'model');
    // 8 inputs of mnist's shape, values in [0, 1) (a fixed pseudo-random pattern: the two sides must agree, not be right).
    const shape = [8, 28, 28, 1];
    const inputs = Float32Array.from({ length: 8 * 28 * 28 }, (_, i) => ((i * 2654435761) % 1000) / 1000);
    const expected = await predictInNode(modelDir, inputs, shape);

    const { server, origin } = await serve({ '/tf.min.js': TFJS_BUNDLE, '/model/model.json': join(modelDir, 'model.json'), '/model/weights.bin': join(modelDir, 'weights.bin') });
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`${origin}/`);
      const result = await page.evaluate(
        async ({ url, values, dims }) => {
          const tfjs = (globalThis as unknown as { tf: typeof tf }).tf;
          await tfjs.setBackend('cpu');
          const model = await tfjs.loadLayersModel(url);
          const logits = model.predict(tfjs.tensor(values, dims)) as tf.Tensor;
          return { backend: tfjs.getBackend(), version: tfjs.version.tfjs, logits: Array.from(await logits.data()) };
        },
        { url: `${origin}/model/model.json`, values: Array.from(inputs), dims: shape },
      );
      expect(result.backend).toBe('cpu');
      expect(result.version).toBe(tf.version.tfjs);
      expect(result.logits).toHaveLength(8 * 10);
      // Both sides run tfjs's cpu kernels on the same weights: the same logits up to float rounding.
      result.logits.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 4));
    } finally {
      await browser.close();
      server.close();
    }
  }, 120_000);
});
