// Matrix products of the wasm backend on the host's BLAS (@ringtrain/native-blas), when one is in use
// (native-blas-in-use.ts, set by `--blas`). The operands are read where the wasm backend keeps them, in its
// linear memory, and the product is written into a tensor the backend allocated there: no copies, only the GEMM.
// Dense layers' forward products (_FusedMatMul with a bias and linear/ReLU) and all their backward products
// (BatchMatMul with either operand transposed) run this way, 4-7x faster per core than XNNPACK (README, "Models
// and compute backends"). Whatever it does not cover (other dtypes, batch dims that broadcast partially, other
// activations, a bias that is not a row) is left to the caller's fallback.

import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { nativeBlasInUse } from './native-blas-in-use.js';
import { computeOutput, sizeOf } from './wasm-memory.js';

export interface NativeProduct {
  a: TensorInfo;
  b: TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  /** A rank-1 bias of n entries, added to every row. */
  bias?: TensorInfo | undefined;
  relu: boolean;
}

/** The batch dims of the result, or undefined when one operand's batch neither matches it nor is a single matrix. */
function batchShape(a: TensorInfo, b: TensorInfo): number[] | undefined {
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const count = sizeOf(outer);
  const fits = (info: TensorInfo) => [1, count].includes(sizeOf(info.shape.slice(0, -2)));
  return fits(a) && fits(b) ? outer : undefined;
}

/**
 * op(a)·op(b) (+ bias, then ReLU) on the native BLAS, as a new wasm tensor; undefined when no BLAS is in use or the
 * product is not one this kernel covers.
 */
export function nativeProduct(backendArg: object, { a, b, transposeA, transposeB, bias, relu }: NativeProduct): TensorInfo | undefined {
  const blas = nativeBlasInUse();
  if (blas === undefined || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  if (a.shape.length < 2 || b.shape.length < 2) return undefined;
  if (bias !== undefined && (bias.dtype !== 'float32' || bias.shape.length !== 1)) return undefined;
  const outer = batchShape(a, b);
  // Empty operands go to the fallback: the addon wants at least one matrix (its argument checks would throw).
  if (outer === undefined || sizeOf(a.shape) === 0 || sizeOf(b.shape) === 0 || sizeOf(outer) === 0) return undefined;
  const [rowsA, columnsA] = a.shape.slice(-2) as [number, number];
  const [rowsB, columnsB] = b.shape.slice(-2) as [number, number];
  const m = transposeA ? columnsA : rowsA;
  const k = transposeA ? rowsA : columnsA;
  const n = transposeB ? rowsB : columnsB;
  if ((transposeB ? columnsB : rowsB) !== k || (bias !== undefined && bias.shape[0] !== n)) return undefined;

  return computeOutput(backendArg, [...outer, m, n], (view, out) =>
    blas.gemm({
      a: view(a), b: view(b), c: view(out), bias: bias === undefined ? null : view(bias),
      batch: sizeOf(outer), batchA: sizeOf(a.shape.slice(0, -2)), batchB: sizeOf(b.shape.slice(0, -2)),
      m, n, k, transposeA, transposeB, relu,
    }),
  );
}
