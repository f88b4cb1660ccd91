// Composite kernels call other wasm kernels directly, backend to backend, the way tfjs's own backends do: no engine,
// no gradient tape, no tensor tracking. Their intermediates are plain TensorInfos, so something has to free them;
// a KernelScope remembers every one it made and frees all but the result.

import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

export const WASM_BACKEND = 'wasm';

/** The kernel function registered for `kernelName` on the wasm backend, looked up at call time. */
export function wasmKernel(kernelName: string): KernelFunc {
  const config = tf.getKernel(kernelName, WASM_BACKEND);
  if (config === undefined) throw new Error(`the wasm backend has no '${kernelName}' kernel`);
  return config.kernelFunc;
}

export class KernelScope {
  private readonly temporaries: TensorInfo[] = [];

  constructor(readonly backend: KernelBackend) {}

  /** Runs `kernel` (a kernel name on the wasm backend, or a kernel function) and owns its output. */
  run(kernel: string | KernelFunc, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernelFunc = typeof kernel === 'string' ? wasmKernel(kernel) : kernel;
    const output = kernelFunc({ inputs, backend: this.backend, attrs });
    if (Array.isArray(output)) throw new Error('composite wasm kernels only call single-output kernels');
    this.temporaries.push(output);
    return output;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run(tf.Reshape, { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run(tf.Transpose, { x }, { perm });
  }

  /** Hands `result` to the caller: dispose() will not free it. */
  keep(result: TensorInfo): TensorInfo {
    const index = this.temporaries.lastIndexOf(result);
    if (index >= 0) this.temporaries.splice(index, 1);
    return result;
  }

  /** Frees every output not kept (reshapes share data by reference count, so freeing them in any order is safe). */
  dispose(): void {
    for (const info of this.temporaries) this.backend.disposeData(info.dataId);
    this.temporaries.length = 0;
  }
}

/**
 * Runs `body` with a fresh scope and returns the TensorInfo it returns, freeing everything else it made.
 * `backend` is a kernel function's backend argument (typed `{}` by tfjs: it is the wasm backend here).
 */
export function withKernelScope(backend: object, body: (scope: KernelScope) => TensorInfo): TensorInfo {
  const scope = new KernelScope(backend as KernelBackend);
  try {
    return scope.keep(body(scope));
  } finally {
    scope.dispose();
  }
}
