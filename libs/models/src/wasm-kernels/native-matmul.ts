// Matrix products of the wasm backend on the host's BLAS (@ringtrain/native-blas), when one is in use
// (useNativeBlas, set by `--blas`). The operands are read where the wasm backend keeps them, in its linear memory,
// and the product is written into a tensor the backend allocated there: no copies, only the GEMM. Dense layers'
// forward products (_FusedMatMul with a bias and linear/ReLU) and all their backward products (BatchMatMul with
// either operand transposed) run this way, 4-7x faster per core than XNNPACK (see README "Native BLAS").
// Whatever it does not cover (other dtypes, batch dims that broadcast partially, other activations, a bias that
// is not a row) is left to the caller's fallback.

import type { NativeBlas } from '@ringtrain/native-blas';
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';

let active: NativeBlas | undefined;

/** Routes the wasm backend's matrix products to `blas` (undefined: back to XNNPACK). */
export function useNativeBlas(blas: NativeBlas | undefined): void {
  active = blas;
}

/** The BLAS the wasm backend's matrix products use, if any. */
export function nativeBlasInUse(): NativeBlas | undefined {
  return active;
}

/** The parts of tfjs-backend-wasm's BackendWasm this module reads (its public class members). */
interface WasmBackendMemory {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
}

export interface NativeProduct {
  a: TensorInfo;
  b: TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  /** A rank-1 bias of n entries, added to every row. */
  bias?: TensorInfo | undefined;
  relu: boolean;
}

const product = (dims: number[]) => dims.reduce((total, dim) => total * dim, 1);

/** The batch dims of the result, or undefined when one operand's batch neither matches it nor is a single matrix. */
function batchShape(a: TensorInfo, b: TensorInfo): number[] | undefined {
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const count = product(outer);
  const fits = (info: TensorInfo) => [1, count].includes(product(info.shape.slice(0, -2)));
  return fits(a) && fits(b) ? outer : undefined;
}

/**
 * op(a)·op(b) (+ bias, then ReLU) on the native BLAS, as a new wasm tensor; undefined when no BLAS is in use or the
 * product is not one this kernel covers.
 */
export function nativeProduct(backendArg: object, { a, b, transposeA, transposeB, bias, relu }: NativeProduct): TensorInfo | undefined {
  const blas = active;
  if (blas === undefined || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  if (a.shape.length < 2 || b.shape.length < 2) return undefined;
  if (bias !== undefined && (bias.dtype !== 'float32' || bias.shape.length !== 1)) return undefined;
  const outer = batchShape(a, b);
  if (outer === undefined) return undefined;
  const [rowsA, columnsA] = a.shape.slice(-2) as [number, number];
  const [rowsB, columnsB] = b.shape.slice(-2) as [number, number];
  const m = transposeA ? columnsA : rowsA;
  const k = transposeA ? rowsA : columnsA;
  const n = transposeB ? rowsB : columnsB;
  if ((transposeB ? columnsB : rowsB) !== k || (bias !== undefined && bias.shape[0] !== n)) return undefined;

  const backend = backendArg as WasmBackendMemory;
  const out = backend.makeOutput([...outer, m, n], 'float32');
  // Views are made after makeOutput: allocating may grow the wasm memory, which detaches the old buffer.
  const heap = backend.wasm.HEAPU8.buffer;
  const view = (info: TensorInfo) => new Float32Array(heap, backend.dataIdMap.get(info.dataId)!.memoryOffset, product(info.shape));
  blas.gemm({
    a: view(a), b: view(b), c: view(out), bias: bias === undefined ? null : view(bias),
    batch: product(outer), batchA: product(a.shape.slice(0, -2)), batchB: product(b.shape.slice(0, -2)),
    m, n, k, transposeA, transposeB, relu,
  });
  return out;
}
