// Which native BLAS, if any, the wasm backend's matrix products and convolutions run on (set by selectBlas from
// `--blas`).

import type { NativeBlas } from '@ringtrain/native-blas';
import * as tf from '@tensorflow/tfjs';
import type { Tensor } from '@tensorflow/tfjs';
import { WASM_BACKEND } from './kernel-scope.js';

let active: NativeBlas | undefined;
let setting = 0;

/** Routes the wasm backend's matrix products and convolutions to `blas` (undefined: back to XNNPACK). */
export function useNativeBlas(blas: NativeBlas | undefined): void {
  active = blas;
  setting++;
}

/**
 * Counts the calls of useNativeBlas: a tensor made under the current count has only met the products of the BLAS
 * in use now (flat-weights.ts writes a dense stack's weights in place only then).
 */
export function nativeBlasSetting(): number {
  return setting;
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
