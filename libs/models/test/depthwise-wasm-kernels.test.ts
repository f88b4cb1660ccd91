// The wasm depthwise gradient kernels (tfjs 4.22 has none) against tfjs's cpu backend: the gradients of
// L = Σ y ⊙ r, y = depthwiseConv2d(x, w), for a fixed random r, so that dL/dy = r reaches both kernels as a dense,
// non-constant dy. Every element of dL/dx and dL/dw within float32 rounding of the cpu's.

import { InvalidArgumentError } from '@ringtrain/common';
import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectAllClose, normalValues, onCpuAndWasm, useBackend } from './helpers.js';

type Shape4D = [number, number, number, number];
type Padding = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface DepthwiseCase {
  name: string;
  x: Shape4D;
  /** [KH, KW, C, M]: M is the channel multiplier. */
  filter: Shape4D;
  strides: number | [number, number];
  pad: Padding;
}

const CASES: DepthwiseCase[] = [
  { name: 'stride 1, same, multiplier 1', x: [2, 7, 7, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'same' },
  { name: 'stride 1, valid, multiplier 2', x: [2, 6, 5, 3], filter: [3, 3, 3, 2], strides: 1, pad: 'valid' },
  { name: 'stride 2, same, multiplier 2', x: [2, 7, 7, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same' },
  { name: 'stride 2, same, even size (no padding before)', x: [1, 8, 6, 4], filter: [3, 3, 4, 1], strides: 2, pad: 'same' },
  { name: 'stride 2, valid, no remainder', x: [2, 7, 7, 3], filter: [3, 3, 3, 1], strides: 2, pad: 'valid' },
  { name: 'stride 2, valid, remainder row and column, multiplier 2', x: [2, 8, 8, 2], filter: [3, 3, 2, 2], strides: 2, pad: 'valid' },
  { name: '5x5, stride 2, same, multiplier 3', x: [1, 9, 9, 2], filter: [5, 5, 2, 3], strides: 2, pad: 'same' },
  { name: 'strides [2, 1], 2x3 kernel, same', x: [2, 5, 6, 3], filter: [2, 3, 3, 2], strides: [2, 1], pad: 'same' },
  { name: 'explicit asymmetric padding', x: [2, 5, 6, 2], filter: [3, 3, 2, 2], strides: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
];

/** [dL/dx, dL/dw] of L = Σ depthwiseConv2d(x, w) ⊙ r on the active backend. */
function gradients(c: DepthwiseCase, x: Float32Array, w: Float32Array, r: Float32Array, rShape: number[]): Float32Array[] {
  return tf.tidy(() => {
    const loss = (input: tf.Tensor, filter: tf.Tensor) =>
      tf.sum(tf.mul(tf.depthwiseConv2d(input as tf.Tensor4D, filter as tf.Tensor4D, c.strides, c.pad), tf.tensor(r, rShape)));
    const [dx, dw] = tf.grads(loss)([tf.tensor(x, c.x), tf.tensor(w, c.filter)]);
    return [dx!.dataSync() as Float32Array, dw!.dataSync() as Float32Array];
  });
}

function outShape(c: DepthwiseCase): number[] {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, undefined, true).outShape;
}

describe('depthwise convolution gradients on wasm (tfjs has no kernels for them)', () => {
  it.each(CASES)('equal the cpu backend through tf.grads: $name', async (c) => {
    const x = normalValues(c.x, 21);
    const w = normalValues(c.filter, 22);
    const r = normalValues(outShape(c), 23);
    const { cpu, wasm } = await onCpuAndWasm(() => gradients(c, x, w, r, outShape(c)));
    expect(wasm[0]!.length).toBe(x.length);
    expect(wasm[1]!.length).toBe(w.length);
    expectAllClose(wasm[0]!, cpu[0]!);
    expectAllClose(wasm[1]!, cpu[1]!);
  });

  it('match a gradient worked by hand: 1x1 input, 3x3 same, multiplier 2', async () => {
    // x[0,0,0,0] = 2 sits under the filter's centre only, y[m] = 2·w[1,1,0,m]; with r = [3, −1]:
    // dL/dx = 3·w[1,1,0,0] − w[1,1,0,1], and dL/dw[1,1,0,·] = [3·2, −1·2], every other tap 0.
    // w[kh, kw, 0, m] = 1 + flat index (kh·3 + kw)·2 + m, so the centre taps w[1, 1, 0, ·] are flat 8 and 9: [9, 10].
    const w = Float32Array.from({ length: 18 }, (_, i) => i + 1);
    const c: DepthwiseCase = { name: 'hand', x: [1, 1, 1, 1], filter: [3, 3, 1, 2], strides: 1, pad: 'same' };
    await useBackend('wasm');
    const [dx, dw] = gradients(c, Float32Array.of(2), w, Float32Array.of(3, -1), [1, 1, 1, 2]);
    expect(Array.from(dx!)).toEqual([3 * 9 - 10]);
    expect(Array.from(dw!)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 6, -2, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('leave no tensor or buffer behind', async () => {
    const c = CASES[2]!;
    const inputs = [normalValues(c.x, 24), normalValues(c.filter, 25), normalValues(outShape(c), 26)] as const;
    await useBackend('wasm');
    gradients(c, ...inputs, outShape(c)); // first call: any one-off setup happens here
    const before = tf.memory();
    gradients(c, ...inputs, outShape(c));
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
  });

  it.each([
    { kernel: tf.DepthwiseConv2dNativeBackpropFilter, attr: 'dilations', attrs: { dilations: 2, pad: 'same', filterShape: [3, 3, 2, 1] } },
    { kernel: tf.DepthwiseConv2dNativeBackpropInput, attr: 'dilations', attrs: { dilations: [1, 2], pad: 'same', inputShape: [1, 5, 5, 2] } },
    {
      kernel: tf.DepthwiseConv2dNativeBackpropInput,
      attr: 'pad',
      attrs: { dilations: 1, pad: [[0, 0], [3, 0], [0, 0], [0, 0]], inputShape: [1, 5, 5, 2] },
    },
  ])('$kernel rejects an unsupported $attr by name', async ({ kernel, attr, attrs }) => {
    await useBackend('wasm');
    // Shapes consistent with a 3x3 filter, stride 1, on a [1, 5, 5, 2] input.
    const dyRows = attr === 'pad' ? 6 : 5;
    const run = () =>
      tf.tidy(() => {
        const inputs = { x: tf.zeros([1, 5, 5, 2]), filter: tf.zeros([3, 3, 2, 1]), dy: tf.zeros([1, dyRows, 5, 2]) };
        tf.engine().runKernel(kernel, inputs, { strides: 1, ...attrs } as unknown as NamedAttrMap);
      });
    expect(run).toThrow(InvalidArgumentError);
    expect(run).toThrow(new RegExp(attr));
  });
});
