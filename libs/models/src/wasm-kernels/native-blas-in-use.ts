// Which native BLAS, if any, the wasm backend's matrix products and convolutions run on (set by selectBlas from
// `--blas`).

import type { NativeBlas } from '@ringtrain/native-blas';
import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '@tensorflow/tfjs';
import { WASM_BACKEND } from './kernel-scope.js';

let active: NativeBlas | undefined;

/** Routes the wasm backend's matrix products and convolutions to `blas` (undefined: back to XNNPACK). */
export function useNativeBlas(blas: NativeBlas | undefined): void {
  active = blas;
}

/** The BLAS the wasm backend's products use, if any. */
export function nativeBlasInUse(): NativeBlas | undefined {
  return active;
}

/** Whether ops can take the native kernels now: on wasm, with the addon in use, every tensor float32 and non-empty. */
export function nativeKernelsUsable(...tensors: Tensor[]): boolean {
  return tf.getBackend() === WASM_BACKEND && active !== undefined && tensors.every((t) => t.dtype === 'float32' && t.size > 0);
}

/** The addon for a kernel that only exists with it; `kernelName` is named in the error otherwise. */
export function requireNativeBlas(kernelName: string): NativeBlas {
  if (active === undefined) throw new Error(`${kernelName} needs the native addon in use (--blas native or auto)`);
  return active;
}
