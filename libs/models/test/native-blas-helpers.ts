// Shared by the native-BLAS kernel tests: whether a BLAS is here (CI requires one), a gemm/conv2d call counter, and
// a runner that computes the same thing on the cpu backend and on wasm with the native BLAS in use.

import { openNativeBlas, type NativeBlas } from '@ringtrain/native-blas';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { computeGradients, countParams, createModel } from '../src/index.js';
import { useNativeBlas } from '../src/wasm-kernels/native-blas-in-use.js';
import { expectAllClose, normalValues, useBackend } from './helpers.js';

/** CI installs OpenBLAS and sets this, so that a missing library fails there instead of skipping. */
export const nativeBlasExpected = process.env['RINGTRAIN_EXPECT_NATIVE_BLAS'] === '1';
export const openedBlas = openNativeBlas();

/** `blas` with a count of its gemm and conv2d calls (the kernels the call-count tests follow). */
export function counting(blas: NativeBlas): NativeBlas & { calls: number } {
  const counted: NativeBlas & { calls: number } = {
    ...blas,
    calls: 0,
    gemm: (p) => (counted.calls++, blas.gemm(p)),
    conv2d: (c) => (counted.calls++, blas.conv2d(c)),
  };
  return counted;
}

export interface Result {
  shape: number[];
  values: Float32Array;
}

/**
 * Runs `compute` on cpu, then on wasm with `blas` in use (left in use: the caller's afterEach resets it); returns
 * both results and the wasm side's native calls. The wasm run must leave no tensor behind.
 */
export async function cpuAndNative(blas: NativeBlas, compute: () => tf.Tensor): Promise<{ cpu: Result; wasm: Result; calls: number }> {
  const run = () => {
    const t = compute();
    const result = { shape: t.shape, values: t.dataSync() as Float32Array };
    t.dispose();
    return result;
  };
  await useBackend('cpu');
  const cpu = run();
  await useBackend('wasm');
  const spy = counting(blas);
  useNativeBlas(spy);
  const before = tf.memory().numTensors;
  const wasm = run();
  expect(tf.memory().numTensors).toBe(before);
  return { cpu, wasm, calls: spy.calls };
}

/**
 * One training step's gradient of zoo model `name` on wasm, first on XNNPACK and then with `blas` in use: the two
 * must agree (loss and every gradient entry), and the native step must leave no tensor behind. Returns how many
 * gemm/conv2d calls the native step made. The caller's afterEach resets the BLAS in use.
 */
export async function nativeStepMatchesXnnpack(blas: NativeBlas, name: string, inputShape: number[], batch: number): Promise<number> {
  await useBackend('wasm');
  const model = createModel(name, { inputShape, numClasses: 10, seed: 4 });
  const xs = tf.tensor(normalValues([batch, ...inputShape], 8), [batch, ...inputShape]);
  const ys = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32');
  const reference = new Float32Array(countParams(model));
  const lossOff = computeGradients(model, xs, ys, reference).loss;
  const spy = counting(blas);
  useNativeBlas(spy);
  const buffers = tf.memory().numDataBuffers;
  const grads = new Float32Array(countParams(model));
  const lossNative = computeGradients(model, xs, ys, grads).loss;
  expect(tf.memory().numDataBuffers).toBe(buffers);
  expect(lossNative).toBeCloseTo(lossOff, 5);
  expectAllClose(grads, reference, 1e-4);
  tf.dispose([xs, ys]);
  model.dispose();
  return spy.calls;
}
