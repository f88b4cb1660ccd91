// Conv2D and its two gradients on the native BLAS (im2col + GEMM, --blas native) against tfjs's cpu backend.

import type { NativeBlas } from '@ringtrain/native-blas';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { useNativeBlas } from '../src/wasm-kernels/native-blas-in-use.js';
import { expectAllClose, normalValues } from './helpers.js';
import { cpuAndNative, nativeBlasExpected, nativeStepMatchesXnnpack, openedBlas } from './native-blas-helpers.js';

afterEach(() => useNativeBlas(undefined));

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid';
  dilations?: number;
}

const CASES: ConvCase[] = [
  { name: "3x3 'valid' (the cnn's)", x: [2, 9, 8, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { name: "3x3 'same'", x: [2, 7, 7, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'same' },
  { name: "stride 2 'same', odd size", x: [2, 7, 7, 2], filter: [3, 3, 2, 4], strides: 2, pad: 'same' },
  { name: "strides [2, 3], 2x3 kernel, 'valid' with remainders", x: [1, 8, 9, 2], filter: [2, 3, 2, 3], strides: [2, 3], pad: 'valid' },
  { name: 'one input channel', x: [3, 10, 10, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'valid' },
  { name: '1x1 pointwise', x: [2, 5, 5, 6], filter: [1, 1, 6, 4], strides: 1, pad: 'valid' },
];

describe.skipIf(!openedBlas.ok && !nativeBlasExpected)('Conv2D and its gradients on the native BLAS', () => {
  const blas = (openedBlas as { blas: NativeBlas }).blas;

  it.each(CASES)('forward equals the cpu backend: $name', async (c) => {
    const x = normalValues(c.x, 1);
    const w = normalValues(c.filter, 2);
    const { cpu, wasm, calls } = await cpuAndNative(blas, () => tf.tidy(() => tf.conv2d(tf.tensor4d(x, c.x), tf.tensor4d(w, c.filter), c.strides, c.pad)));
    expect(wasm.shape).toEqual(cpu.shape);
    expectAllClose(wasm.values, cpu.values);
    expect(calls).toBe(1);
  });

  it('forward with dilation 2 equals the cpu backend', async () => {
    const x = normalValues([2, 9, 9, 2], 3);
    const w = normalValues([3, 3, 2, 3], 4);
    const { cpu, wasm, calls } = await cpuAndNative(blas, () =>
      tf.tidy(() => tf.conv2d(tf.tensor4d(x, [2, 9, 9, 2]), tf.tensor4d(w, [3, 3, 2, 3]), 1, 'valid', 'NHWC', 2)),
    );
    expectAllClose(wasm.values, cpu.values);
    expect(calls).toBe(1);
  });

  it.each(CASES)('filter and input gradients (through tf.grads) equal the cpu backend: $name', async (c) => {
    const x = normalValues(c.x, 5);
    const w = normalValues(c.filter, 6);
    // Both gradients of Σ conv(x, w) ⊙ g for a fixed random g, returned side by side as one tensor.
    const g = (shape: number[]) => tf.tensor(normalValues(shape, 7), shape);
    const { cpu, wasm, calls } = await cpuAndNative(blas, () =>
      tf.tidy(() => {
        const xs = tf.tensor4d(x, c.x);
        const ws = tf.tensor4d(w, c.filter);
        const f = (a: tf.Tensor, b: tf.Tensor) => {
          const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad);
          return tf.sum(tf.mul(y, g(y.shape)));
        };
        const [dx, dw] = tf.grads(f)([xs, ws]);
        return tf.concat([dx!.flatten(), dw!.flatten()]);
      }),
    );
    expectAllClose(wasm.values, cpu.values);
    // forward, filter gradient, input gradient
    expect(calls).toBe(3);
  });

  it.each([
    { name: "2x2 stride 2 'valid' (the cnn's), ReLU-like ties", shape: [2, 6, 8, 5], filterSize: 2, strides: 2, pad: 'valid' },
    { name: "3x3 stride 2 'same': overlapping windows", shape: [2, 7, 6, 4], filterSize: 3, strides: 2, pad: 'same' },
  ] as const)('MaxPoolGrad on the native addon equals the cpu backend: $name', async ({ shape, filterSize, strides, pad }) => {
    const x = normalValues([...shape], 12).map((v) => Math.max(0, v));
    let calls = 0;
    const spied: NativeBlas = { ...blas, maxPoolGrad: (p) => (calls++, blas.maxPoolGrad(p)) };
    const { cpu, wasm } = await cpuAndNative(spied, () =>
      tf.tidy(() => {
        const f = (a: tf.Tensor) => {
          const y = tf.maxPool(a as tf.Tensor4D, filterSize, strides, pad);
          return tf.sum(tf.mul(y, tf.tensor(normalValues(y.shape, 13), y.shape)));
        };
        return tf.grad(f)(tf.tensor4d(x, [...shape]));
      }),
    );
    // Non-overlapping windows give each position at most one term: exact. Overlapping ones are sums, added in
    // another order by the cpu kernel.
    if (strides === filterSize) expect(Array.from(wasm.values)).toEqual(Array.from(cpu.values));
    else expectAllClose(wasm.values, cpu.values);
    expect(calls).toBe(1);
  });

  it('ReLU gradient in one native pass equals the cpu backend bit for bit (signed zeros, infinities; NaN stays NaN)', async () => {
    const specials = [0, -0, 1.5, -2.5, Infinity, -Infinity, Number.NaN];
    const x = normalValues([4, 5, 6, 3], 14).map((v, i) => (i < specials.length ? specials[i]! : v));
    const g = normalValues([4, 5, 6, 3], 15).map((v, i) => (i >= 10 && i < 10 + specials.length ? specials[i - 10]! : v));
    let calls = 0;
    const spied: NativeBlas = { ...blas, reluGrad: (p) => (calls++, blas.reluGrad(p)) };
    const { cpu, wasm } = await cpuAndNative(spied, () =>
      tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), tf.tensor(g, [4, 5, 6, 3]))))(tf.tensor(x, [4, 5, 6, 3]))),
    );
    expect(Array.from(wasm.values, Number.isNaN)).toEqual(Array.from(cpu.values, Number.isNaN));
    const bits = (values: Float32Array) => Array.from(new Uint32Array(values.buffer)).filter((_, i) => !Number.isNaN(values[i]));
    expect(bits(wasm.values)).toEqual(bits(cpu.values));
    expect(calls).toBe(1);
  });

  it('hands empty tensors (a batch of 0) to the original kernels instead of failing', async () => {
    const { cpu, wasm, calls } = await cpuAndNative(blas, () =>
      tf.tidy(() => tf.conv2d(tf.zeros([0, 5, 5, 2]) as tf.Tensor4D, tf.ones([3, 3, 2, 4]) as tf.Tensor4D, 1, 'valid')),
    );
    expect(wasm.shape).toEqual(cpu.shape);
    expect(calls).toBe(0);
    const product = await cpuAndNative(blas, () => tf.tidy(() => tf.matMul(tf.zeros([0, 5]), tf.ones([5, 3]))));
    expect(product.wasm.shape).toEqual([0, 3]);
    expect(product.calls).toBe(0);
  });

  it('gives the same cnn gradient as XNNPACK, no tensor left behind', async () => {
    // 2 conv forwards, 2 dense forwards; backward: 2 conv filter gradients, 1 conv input gradient (the image's own
    // is pruned), 2 dense weight gradients, 2 dense input gradients, 2 dense bias gradients (sums over the batch).
    expect(await nativeStepMatchesXnnpack(blas, 'cnn', [12, 12, 1], 8)).toBe(13);
  });
});
