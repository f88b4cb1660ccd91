// The wasm training kernels against tfjs's cpu backend, the reference implementation: same inputs, every output
// element within float32 rounding of the cpu's.

import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from '../src/index.js';
import { broadcastShapes } from '../src/wasm-kernels/tile.js';
import { leadingAxisCount } from '../src/wasm-kernels/leading-axes-reduction.js';
import { expectAllClose, normalValues, onCpuAndWasm } from './helpers.js';

type Padding = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  name: string;
  /** Input shape in `dataFormat` order. */
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Padding;
  dataFormat?: 'NHWC' | 'NCHW';
}

const CONV_CASES: ConvCase[] = [
  { name: 'stride 1, same', x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { name: 'stride 1, valid', x: [2, 6, 5, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { name: 'stride 2, same', x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { name: 'stride 2, valid, no remainder', x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { name: 'stride 2, valid, remainder row and column', x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { name: '1x1 kernel, stride 2: the last row is never read', x: [1, 5, 6, 2], filter: [1, 1, 2, 3], strides: 2, pad: 'valid' },
  { name: 'strides [3, 2], 2x3 kernel, same', x: [1, 6, 5, 2], filter: [2, 3, 2, 3], strides: [3, 2], pad: 'same' },
  { name: 'one input channel, 5x5, stride 2, same', x: [3, 9, 9, 1], filter: [5, 5, 1, 2], strides: 2, pad: 'same' },
  { name: 'explicit asymmetric padding', x: [2, 5, 6, 2], filter: [3, 3, 2, 3], strides: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
];

/** The forward conv's output shape in the case's data format (the shape of dy). */
function dyShape({ x, filter, strides, pad, dataFormat = 'NHWC' }: ConvCase): number[] {
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  return tf.backend_util.computeConv2DInfo(x, filter, strides, 1, pad, undefined, false, format).outShape;
}

function runKernel(name: string, inputs: Record<string, { values: Float32Array; shape: number[] }>, attrs: NamedAttrMap): Float32Array {
  return tf.tidy(() => {
    const tensors = Object.fromEntries(Object.entries(inputs).map(([key, { values, shape }]) => [key, tf.tensor(values, shape)]));
    return (tf.engine().runKernel(name, tensors, attrs) as tf.Tensor).dataSync() as Float32Array;
  });
}

describe('Conv2DBackpropFilter on wasm (tfjs has none)', () => {
  it.each([...CONV_CASES, { name: 'NCHW, stride 2, same', x: [2, 3, 7, 7], filter: [3, 3, 3, 4], strides: 2, pad: 'same', dataFormat: 'NCHW' } as ConvCase])(
    'equals the cpu backend: $name',
    async (c) => {
      const x = { values: normalValues(c.x, 1), shape: c.x };
      const dy = { values: normalValues(dyShape(c), 2), shape: dyShape(c) };
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: c.dataFormat ?? 'NHWC', filterShape: c.filter };
      const { cpu, wasm } = await onCpuAndWasm(() => runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs));
      expect(wasm.length).toBe(c.filter.reduce((a, b) => a * b, 1));
      expectAllClose(wasm, cpu);
    },
  );
});

describe('Conv2DBackpropInput on wasm (through XNNPACK)', () => {
  it.each([...CONV_CASES, { name: 'NCHW (the original kernel)', x: [2, 3, 7, 7], filter: [3, 3, 3, 4], strides: 2, pad: 'same', dataFormat: 'NCHW' } as ConvCase])(
    'equals the cpu backend: $name',
    async (c) => {
      const dy = { values: normalValues(dyShape(c), 3), shape: dyShape(c) };
      const filter = { values: normalValues(c.filter, 4), shape: c.filter };
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: c.dataFormat ?? 'NHWC', inputShape: c.x };
      const { cpu, wasm } = await onCpuAndWasm(() => runKernel(tf.Conv2DBackpropInput, { dy, filter }, attrs));
      expect(wasm.length).toBe(c.x.reduce((a, b) => a * b, 1));
      expectAllClose(wasm, cpu);
    },
  );

  it('gives the cnn-shaped gradient of a conv through tf.grads (both kernels in one backward pass)', async () => {
    const x = normalValues([2, 10, 10, 4], 5);
    const w = normalValues([3, 3, 4, 6], 6);
    const grads = () =>
      tf.tidy(() => {
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid'))))([
          tf.tensor(x, [2, 10, 10, 4]),
          tf.tensor(w, [3, 3, 4, 6]),
        ]);
        return [dx!.dataSync(), dw!.dataSync()];
      });
    const { cpu, wasm } = await onCpuAndWasm(grads);
    expectAllClose(wasm[0]!, cpu[0]!);
    expectAllClose(wasm[1]!, cpu[1]!);
  });
});

describe('BatchMatMul on wasm without transposed operands', () => {
  // Which way each case goes (see batch-matmul.ts): C = op(A)·op(B) as it stands, or (op(B)ᵀ·op(A)ᵀ)ᵀ.
  it.each([
    { name: 'transposeA, computed as it stands', a: [5, 40], b: [5, 3], transposeA: true, transposeB: false },
    { name: 'transposeB, computed as (B·Aᵀ)ᵀ', a: [4, 6], b: [50, 6], transposeA: false, transposeB: true },
    { name: 'both transposed', a: [6, 4], b: [5, 6], transposeA: true, transposeB: true },
    { name: 'rank 3 with batch 1, ranks differ', a: [1, 6, 4], b: [6, 5], transposeA: true, transposeB: false },
    { name: 'batch 2 (the original kernel)', a: [2, 6, 4], b: [2, 5, 6], transposeA: true, transposeB: true },
    { name: 'no transpose (the original kernel)', a: [3, 4], b: [4, 5], transposeA: false, transposeB: false },
  ])('equals the cpu backend: $name', async ({ a, b, transposeA, transposeB }) => {
    const inputs = { a: { values: normalValues(a, 7), shape: a }, b: { values: normalValues(b, 8), shape: b } };
    const { cpu, wasm } = await onCpuAndWasm(() => {
      const c = tf.tidy(() => tf.matMul(tf.tensor(inputs.a.values, a), tf.tensor(inputs.b.values, b), transposeA, transposeB));
      const result = { shape: c.shape, values: c.dataSync() };
      c.dispose();
      return result;
    });
    expect(wasm.shape).toEqual(cpu.shape);
    expectAllClose(wasm.values, cpu.values);
  });
});

describe('Tile on wasm as a broadcast', () => {
  it('drops trivial axes and merges neighbours of the same kind', () => {
    // batchnorm's gradient: [1,1,1,32] tiled [64,26,26,1] is [1, 32] broadcast to [64·26·26, 32]
    expect(broadcastShapes([1, 1, 1, 32], [64, 26, 26, 1])).toEqual({ source: [1, 32], target: [43264, 32] });
    // [2, 3] tiled [2, 2]: rows repeat around whole copies of a row
    expect(broadcastShapes([2, 3], [2, 2])).toEqual({ source: [1, 2, 1, 3], target: [2, 2, 2, 3] });
    expect(broadcastShapes([2, 3], [1, 1])).toEqual({ source: [6], target: [6] });
  });

  it.each([
    { shape: [1, 1, 1, 4], reps: [3, 2, 2, 1] },
    { shape: [2, 3], reps: [2, 2] },
    { shape: [3], reps: [4] },
    { shape: [2, 1, 3], reps: [1, 5, 1] },
    { shape: [2, 2], reps: [1, 1] },
  ])('equals the cpu backend: $shape tiled $reps', async ({ shape, reps }) => {
    const values = normalValues(shape, 9);
    const { cpu, wasm } = await onCpuAndWasm(() => tf.tidy(() => tf.tile(tf.tensor(values, shape), reps).dataSync()));
    expect(wasm).toEqual(cpu);
  });

  it('leaves int32 tensors to the original kernel', async () => {
    const { cpu, wasm } = await onCpuAndWasm(() => tf.tidy(() => tf.tile(tf.tensor([1, 2, 3], [3], 'int32'), [2]).dataSync()));
    expect(Array.from(wasm)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(wasm).toEqual(cpu);
  });
});

describe('Sum and Mean over leading axes on wasm (average pooling)', () => {
  it('recognises the leading axes of a tensor, not all of them', () => {
    expect(leadingAxisCount([0, 1, 2], 4)).toBe(3);
    expect(leadingAxisCount([2, 0, 1], 4)).toBe(3);
    expect(leadingAxisCount([-4, -3], 4)).toBe(2);
    expect(leadingAxisCount(0, 2)).toBe(1);
    expect(leadingAxisCount([1, 2], 4)).toBeUndefined();
    expect(leadingAxisCount([0, 1], 2)).toBeUndefined();
  });

  it.each([
    { shape: [4, 3, 5, 6], axis: [0, 1, 2], keepDims: false },
    { shape: [4, 3, 5, 6], axis: [0, 1, 2], keepDims: true },
    { shape: [7, 3], axis: 0, keepDims: false },
    { shape: [4, 3, 5, 6], axis: [-4, -3], keepDims: false },
    { shape: [4, 3, 5, 6], axis: [1, 2], keepDims: false },
    { shape: [4, 3], axis: [0, 1], keepDims: false },
    { shape: [1, 5], axis: 0, keepDims: true },
  ])('equals the cpu backend: $shape over $axis, keepDims $keepDims', async ({ shape, axis, keepDims }) => {
    const values = normalValues(shape, 10);
    const reduce = () =>
      tf.tidy(() => {
        const x = tf.tensor(values, shape);
        const sum = tf.sum(x, axis, keepDims);
        const mean = tf.mean(x, axis, keepDims);
        return { shapes: [sum.shape, mean.shape], sum: sum.dataSync(), mean: mean.dataSync() };
      });
    const { cpu, wasm } = await onCpuAndWasm(reduce);
    expect(wasm.shapes).toEqual(cpu.shapes);
    expectAllClose(wasm.sum, cpu.sum);
    expectAllClose(wasm.mean, cpu.mean);
  });

  it('sums 43264 rows (a cnn activation) as accurately as the cpu backend', async () => {
    // The float64 sum of the float32 inputs is the reference; both float32 results stay within 1e-5 relative.
    const values = normalValues([64, 26, 26, 32], 11).map((v) => v + 1);
    const exact = new Float64Array(32);
    values.forEach((v, i) => (exact[i % 32]! += v));
    const { cpu, wasm } = await onCpuAndWasm(() => tf.tidy(() => tf.sum(tf.tensor(values, [64, 26, 26, 32]), [0, 1, 2]).dataSync()));
    expectAllClose(cpu, exact);
    expectAllClose(wasm, exact);
  });
});

describe('Identity on wasm', () => {
  it('shares the buffer by reference count: a clone outlives its source', async () => {
    await onCpuAndWasm(() => undefined);
    const before = tf.memory().numDataBuffers;
    const x = tf.tensor([1, 2, 3]);
    const y = tf.clone(x);
    expect(tf.memory().numDataBuffers - before).toBe(1); // tfjs 4.22's wasm Identity makes a second buffer
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    expect(tf.memory().numDataBuffers).toBe(before);
  });
});

describe('MaxPoolGrad on wasm, one pass over the windows', () => {
  /** dx of Σ maxPool(x) ⊙ g, for a fixed random g. */
  const poolGradient = (x: Float32Array, shape: [number, number, number, number], filterSize: number, strides: number, pad: 'same' | 'valid') =>
    tf.tidy(() => {
      const xs = tf.tensor4d(x, shape);
      const f = (a: tf.Tensor) => {
        const y = tf.maxPool(a as tf.Tensor4D, filterSize, strides, pad);
        return tf.sum(tf.mul(y, tf.tensor(normalValues(y.shape, 9), y.shape)));
      };
      return tf.grad(f)(xs).dataSync() as Float32Array;
    });

  it.each([
    { name: "2x2 stride 2 'valid' (the cnn's)", shape: [2, 6, 8, 5], filterSize: 2, strides: 2, pad: 'valid' },
    { name: "2x2 stride 2 'valid', odd size (a dropped row and column)", shape: [1, 7, 7, 3], filterSize: 2, strides: 2, pad: 'valid' },
    { name: "3x3 stride 2 'same': overlapping windows and padding", shape: [2, 7, 6, 4], filterSize: 3, strides: 2, pad: 'same' },
    { name: "3x3 stride 1 'valid'", shape: [1, 6, 6, 2], filterSize: 3, strides: 1, pad: 'valid' },
  ] as const)('equals the cpu backend: $name', async ({ shape, filterSize, strides, pad }) => {
    const x = normalValues([...shape], 10);
    const { cpu, wasm } = await onCpuAndWasm(() => poolGradient(x, [...shape], filterSize, strides, pad));
    expectAllClose(wasm, cpu);
  });

  it('sends a tied window gradient to its first maximum only, as the cpu backend and torch do', async () => {
    // After a ReLU most windows are all zeros: exactly one position per window may receive the gradient.
    const x = normalValues([2, 6, 6, 3], 11).map((v) => Math.max(0, v - 1));
    expect(x.filter((v) => v === 0).length).toBeGreaterThan(x.length / 2);
    const { cpu, wasm } = await onCpuAndWasm(() => poolGradient(x, [2, 6, 6, 3], 2, 2, 'valid'));
    expect(Array.from(wasm)).toEqual(Array.from(cpu));
    expect(wasm.filter((v) => v !== 0).length).toBe(2 * 3 * 3 * 3);
  });
});

describe('registerWasmTrainingKernels', () => {
  it('is idempotent: registering again does not wrap the kernels twice', async () => {
    await onCpuAndWasm(() => undefined);
    const before = tf.getKernel(tf.BatchMatMul, 'wasm')!.kernelFunc;
    registerWasmTrainingKernels();
    expect(tf.getKernel(tf.BatchMatMul, 'wasm')!.kernelFunc).toBe(before);
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBeDefined();
  });
});
