// Tile for the wasm backend. tfjs 4.22's computes every output element's source index in a C loop, ~140 ns per
// element here: 100 ms per batchnorm layer per step, because tfjs's batchnorm gradient tiles the per-channel
// scale to the whole activation ([1,1,1,32] to [64,26,26,32]). Tiling is a broadcast once the repeats get axes
// of their own, and the wasm Add kernel broadcasts natively:
//
//   tile(x, reps) = reshape(zeros([r0, d0, r1, d1, ...]) + reshape(x, [1, d0, 1, d1, ...]), [r0·d0, r1·d1, ...])
//
// Axes of size 1 on both sides are dropped and neighbouring axes of the same kind (both repeated, or both
// copied) merged, so the broadcast has as few axes as the pattern needs ([1, 32] against [43264, 32] above).
// Float32 only; other dtypes keep the original kernel.

import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo, TileAttrs } from '@tensorflow/tfjs';
import { WASM_BACKEND, withKernelScope } from './kernel-scope.js';

interface BroadcastShapes {
  source: number[];
  target: number[];
}

/** The shapes of x and of the output for tile(x, reps) as a broadcast, with trivial axes dropped and like axes merged. */
export function broadcastShapes(shape: readonly number[], reps: readonly number[]): BroadcastShapes {
  const source: number[] = [];
  const target: number[] = [];
  const push = (sourceDim: number, targetDim: number) => {
    if (sourceDim === 1 && targetDim === 1) return;
    const last = source.length - 1;
    const repeated = sourceDim === 1 && targetDim > 1;
    const lastRepeated = last >= 0 && source[last] === 1 && target[last]! > 1;
    if (last >= 0 && repeated === lastRepeated) {
      source[last] = source[last]! * sourceDim;
      target[last] = target[last]! * targetDim;
    } else {
      source.push(sourceDim);
      target.push(targetDim);
    }
  };
  shape.forEach((dim, axis) => {
    push(1, reps[axis]!);
    push(dim, dim);
  });
  return { source, target };
}

function tileByBroadcast(backend: object, x: TensorInfo, reps: readonly number[]): TensorInfo {
  const { source, target } = broadcastShapes(x.shape, reps);
  const outShape = x.shape.map((dim, axis) => dim * reps[axis]!);
  return withKernelScope(backend, (scope) => {
    const zeros = scope.run(tf.Fill, {}, { shape: target.length > 0 ? target : [1], value: 0, dtype: 'float32' });
    const spread = scope.reshape(x, source.length > 0 ? source : [1]);
    return scope.reshape(scope.run(tf.Add, { a: zeros, b: spread }), outShape);
  });
}

/** The kernel config replacing `original` (the wasm backend's own Tile). */
export function tileConfig(original: KernelFunc): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { reps } = args.attrs as unknown as TileAttrs;
    if (x.dtype !== 'float32' || x.shape.some((dim) => dim === 0)) return original(args);
    return tileByBroadcast(args.backend, x, reps);
  };
  return { kernelName: tf.Tile, backendName: WASM_BACKEND, kernelFunc };
}
