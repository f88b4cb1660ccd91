// How kernels written outside the wasm module (the native BLAS's, the JavaScript ones) reach tensors in the wasm
// backend's linear memory: as Float32Array views, without copies.

import type { TensorInfo } from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use (public members of the class). */
interface WasmBackendMemory {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
}

export const sizeOf = (shape: number[]) => shape.reduce((total, dim) => total * dim, 1);

/**
 * New float32 tensors of `shapes` in the wasm memory and a function that views any float32 tensor there (the new ones
 * included) as a Float32Array. The views must be made after the allocations - which may grow the memory and so
 * detach older views - and used before anything else allocates.
 */
export function allocateOutputs(backendArg: object, shapes: number[][]): { outs: TensorInfo[]; view: (info: TensorInfo) => Float32Array } {
  const backend = backendArg as WasmBackendMemory;
  const outs = shapes.map((shape) => backend.makeOutput(shape, 'float32'));
  const heap = backend.wasm.HEAPU8.buffer;
  const view = (info: TensorInfo) => new Float32Array(heap, backend.dataIdMap.get(info.dataId)!.memoryOffset, sizeOf(info.shape));
  return { outs, view };
}

/** allocateOutputs for one output. */
export function allocateWithViews(backend: object, shape: number[]): { out: TensorInfo; view: (info: TensorInfo) => Float32Array } {
  const { outs, view } = allocateOutputs(backend, [shape]);
  return { out: outs[0]!, view };
}
