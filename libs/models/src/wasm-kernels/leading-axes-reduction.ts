// Sum and Mean over leading axes for the wasm backend. tfjs 4.22's reductions first transpose the reduced axes
// to the end, then add up contiguous runs: for the per-channel sums of an NHWC activation (axes [0, 1, 2], which
// batchnorm's forward and backward passes take about seven times per layer) that costs ~11 ms on a
// [64, 26, 26, 32] tensor. Viewed as a [P, Q] matrix, the mean over the leading axes is an average pooling of
// the image [1, P, 1, Q] (height P, width 1, Q channels) with a P×1 window, which XNNPACK streams in ~1.3 ms:
//
//   mean(x)[q] = (1/P) Σ_p x[p, q] = avgPool(x as [1, P, 1, Q], window [P, 1])[q]
//   sum(x)[q]  = P · mean(x)[q]
//
// The sum therefore picks up one extra float32 rounding (the product with P): measured on that tensor its error
// against a float64 sum was 3e-6 relative, the original's 4e-6 - both are float32 sums of 43264 terms.
// (A matMul with a row of ones was tried first: XNNPACK repacks the [P, Q] operand as weights, ~14 ms.)
//
// With a native BLAS in use the sum is that matMul after all, ones[1, P] · x[P, Q], as one BLAS GEMM on x where
// it lies (nothing is repacked): a dense layer's bias gradient then costs one pass over the output gradient.
//
// Taken when the reduced axes are exactly 0..k-1 of a float32 tensor, k < rank, P > 1 (XNNPACK refuses a 1x1
// window); anything else goes to the original kernel.

import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { WASM_BACKEND, withKernelScope } from './kernel-scope.js';
import { nativeBlasInUse } from './native-blas-in-use.js';
import { computeOutput, sizeOf } from './wasm-memory.js';

/** The number of leading axes `axis` names, if it names exactly the first few (and not all) of a rank-`rank` tensor. */
export function leadingAxisCount(axis: number | number[], rank: number): number | undefined {
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  const leading = axes.every((a, index) => a === index);
  return leading && axes.length > 0 && axes.length < rank ? axes.length : undefined;
}

/** A row of ones for the native sums (JS memory: the addon takes any Float32Array), grown as needed. */
let ones = new Float32Array(0);

function onesRow(length: number): Float32Array {
  if (ones.length < length) ones = new Float32Array(length).fill(1);
  return ones.subarray(0, length);
}

function reduceLeading(backend: object, x: TensorInfo, count: number, keepDims: boolean, kind: 'sum' | 'mean'): TensorInfo {
  const rows = sizeOf(x.shape.slice(0, count));
  const kept = x.shape.slice(count);
  const outShape = keepDims ? [...new Array<number>(count).fill(1), ...kept] : kept;
  const blas = nativeBlasInUse();
  if (kind === 'sum' && blas !== undefined) {
    const columns = sizeOf(kept);
    return computeOutput(backend, outShape, (view, out) =>
      blas.gemm({ a: onesRow(rows), b: view(x), c: view(out), bias: null, batch: 1, batchA: 1, batchB: 1, m: 1, n: columns, k: rows, transposeA: false, transposeB: false, relu: false }),
    );
  }
  return withKernelScope(backend, (scope) => {
    const image = scope.reshape(x, [1, rows, 1, sizeOf(kept)]);
    const mean = scope.run(tf.AvgPool, { x: image }, { filterSize: [rows, 1], strides: 1, pad: 'valid' });
    const result = kind === 'mean' ? mean : scope.run(tf.Multiply, { a: mean, b: scope.run(tf.Fill, {}, { shape: [], value: rows, dtype: 'float32' }) });
    return scope.reshape(result, outShape);
  });
}

function leadingReductionConfig(kernelName: string, kind: 'sum' | 'mean', original: KernelFunc): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const count = leadingAxisCount(axis, x.shape.length);
    if (x.dtype !== 'float32' || count === undefined || sizeOf(x.shape.slice(0, count)) < 2 || sizeOf(x.shape) === 0) {
      return original(args);
    }
    return reduceLeading(args.backend, x, count, keepDims, kind);
  };
  return { kernelName, backendName: WASM_BACKEND, kernelFunc };
}

export const sumConfig = (original: KernelFunc) => leadingReductionConfig(tf.Sum, 'sum', original);
export const meanConfig = (original: KernelFunc) => leadingReductionConfig(tf.Mean, 'mean', original);
