// BatchMatMul for the wasm backend without transposed operands. tfjs 4.22's wasm matMul sends only
// untransposed, unbatched products to XNNPACK; transposeA or transposeB take a blocked C loop that is 10-30x
// slower (dense 4608x512 backward at batch 64: 250 ms for dW = xᵀ·g, 210 ms for dx = g·Wᵀ, against 15 ms for
// the forward product). Every dense layer's backward pass multiplies by a transpose, so this kernel materialises
// the transposed operand (the wasm Transpose kernel is native) and hands XNNPACK a plain product.
//
// XNNPACK treats the right operand as weights and repacks it on every call with a new tensor, so the cost of a
// product X·Y is roughly |X transposed| + |Y transposed| + |Y| element moves on top of the FLOPs. C = op(A)·op(B)
// can be computed as it stands, or as C = (op(B)ᵀ · op(A)ᵀ)ᵀ - which packs op(A)ᵀ instead of op(B), turns the
// needed transposes around and adds one transpose of C. The cheaper of the two is taken:
//   dW = xᵀ·g   (x [64, 4608], g [64, 512]): transpose x and pack g           (0.3 M moves, the other way 2.7 M)
//   dx = g·Wᵀ   (W [4608, 512]):             (W·gᵀ)ᵀ, transpose g, pack gᵀ, transpose the [4608, 64] result
//                                            (0.4 M moves, against 4.7 M for transposing and packing W)
// Batched products (batch > 1) keep the original kernel: the zoo has none.
//
// When a native BLAS is in use (native-matmul.ts) every float32 product goes there instead: a BLAS GEMM takes
// transposed operands as they are stored, so none of the above is needed.

import * as tf from '@tensorflow/tfjs';
import type { BatchMatMulAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { type KernelScope, WASM_BACKEND, withKernelScope } from './kernel-scope.js';
import { nativeProduct } from './native-matmul.js';

interface Operand {
  info: TensorInfo;
  rows: number;
  columns: number;
  /** Whether the product uses this matrix transposed. */
  transposed: boolean;
}

function matrix(info: TensorInfo, transposed: boolean): Operand {
  const rank = info.shape.length;
  return { info, rows: info.shape[rank - 2]!, columns: info.shape[rank - 1]!, transposed };
}

const size = (m: Operand) => m.rows * m.columns;

/** Element moves of computing op(left)·op(right) as an untransposed XNNPACK product. */
function cost(left: Operand, right: Operand): number {
  return (left.transposed ? size(left) : 0) + (right.transposed ? size(right) : 0) + size(right);
}

/** The operand as a plain [rows, columns] matrix of what the product multiplies by. */
function materialise(scope: KernelScope, m: Operand): TensorInfo {
  const flat = scope.reshape(m.info, [1, m.rows, m.columns]);
  return m.transposed ? scope.transpose(flat, [0, 2, 1]) : flat;
}

const flip = (m: Operand): Operand => ({ ...m, transposed: !m.transposed });

/** C = op(a)·op(b), C of `outShape` (ending in [m, n]). */
function untransposedProduct(scope: KernelScope, original: KernelFunc, a: Operand, b: Operand, outShape: number[]): TensorInfo {
  const plain = { transposeA: false, transposeB: false };
  const resultSize = outShape.reduce((product, dim) => product * dim, 1);
  // Cᵀ = op(B)ᵀ · op(A)ᵀ: the same operands with their transpose flags flipped, in the other order.
  if (cost(flip(b), flip(a)) + resultSize < cost(a, b)) {
    const cT = scope.run(original, { a: materialise(scope, flip(b)), b: materialise(scope, flip(a)) }, plain);
    return scope.reshape(scope.transpose(cT, [0, 2, 1]), outShape);
  }
  const c = scope.run(original, { a: materialise(scope, a), b: materialise(scope, b) }, plain);
  return scope.reshape(c, outShape);
}

const batchOf = (info: TensorInfo) => info.shape.slice(0, -2).reduce((product, dim) => product * dim, 1);

/** The kernel config replacing `original` (the wasm backend's own BatchMatMul). */
export function batchMatMulConfig(original: KernelFunc): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const native = nativeProduct(args.backend, { a, b, transposeA, transposeB, relu: false });
    if (native !== undefined) return native;
    if ((!transposeA && !transposeB) || batchOf(a) !== 1 || batchOf(b) !== 1 || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return original(args);
    }
    const left = matrix(a, transposeA);
    const right = matrix(b, transposeB);
    // Output shape as the original computes it: the broadcast batch dims (all 1 here), then [m, n].
    const outerRank = Math.max(a.shape.length, b.shape.length) - 2;
    const m = transposeA ? left.columns : left.rows;
    const n = transposeB ? right.rows : right.columns;
    const outShape = [...new Array<number>(outerRank).fill(1), m, n];
    return withKernelScope(args.backend, (scope) => untransposedProduct(scope, original, left, right, outShape));
  };
  return { kernelName: tf.BatchMatMul, backendName: WASM_BACKEND, kernelFunc };
}
