// How kernels written outside the wasm module (the native BLAS's, the JavaScript ones) reach tensors in the wasm
// backend's linear memory: as Float32Array views, without copies.

import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { WASM_BACKEND } from './kernel-scope.js';

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use (public members of the class). */
interface WasmBackendMemory {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  disposeData(dataId: object): boolean;
}

export const sizeOf = (shape: readonly number[]) => shape.reduce((total, dim) => total * dim, 1);

/** The float32 data of `dataId` in the backend's memory as it is now, or undefined if the backend does not hold it. */
function heapView(backend: WasmBackendMemory, dataId: object, size: number): Float32Array | undefined {
  const data = backend.dataIdMap.get(dataId);
  return data === undefined ? undefined : new Float32Array(backend.wasm.HEAPU8.buffer, data.memoryOffset, size);
}

/** Views a float32 tensor in the wasm memory as a Float32Array. */
export type View = (info: TensorInfo) => Float32Array;

/**
 * Allocates float32 tensors of `shapes` in the wasm memory, has `fill` write them through views, and returns them;
 * frees them if `fill` throws. The views are made after the allocations - which may grow the memory and so detach
 * older views - and must not outlive `fill`.
 */
export function computeOutputs(backendArg: object, shapes: number[][], fill: (view: View, outs: TensorInfo[]) => void): TensorInfo[] {
  const backend = backendArg as WasmBackendMemory;
  const outs = shapes.map((shape) => backend.makeOutput(shape, 'float32'));
  const view: View = (info) => heapView(backend, info.dataId, sizeOf(info.shape))!;
  try {
    fill(view, outs);
  } catch (error) {
    for (const out of outs) backend.disposeData(out.dataId);
    throw error;
  }
  return outs;
}

/** computeOutputs for one output. */
export function computeOutput(backend: object, shape: number[], fill: (view: View, out: TensorInfo) => void): TensorInfo {
  return computeOutputs(backend, [shape], (view, [out]) => fill(view, out!))[0]!;
}

/**
 * `tensor`'s values where they lie, when the active backend is wasm and the tensor float32; undefined elsewhere.
 * Reading a gradient or a weight this way costs one copy where dataSync() makes two (a fresh array, then the
 * caller's copy): 6.7 -> 0.8 ms per step for the cnn's 2.4 M gradients (tools/kernel-profile.ts times getFlatParams,
 * which reads the same way). Valid until the next wasm allocation.
 */
export function float32View(tensor: tf.Tensor): Float32Array | undefined {
  if (tensor.dtype !== 'float32' || tf.getBackend() !== WASM_BACKEND) return undefined;
  return heapView(tf.backend() as unknown as WasmBackendMemory, tensor.dataId, tensor.size);
}

/** Whether tensors made from a typed array copy it (wasm copies into its memory; the cpu backend keeps the array). */
export function tensorsCopyTheirValues(): boolean {
  return tf.getBackend() === WASM_BACKEND;
}
