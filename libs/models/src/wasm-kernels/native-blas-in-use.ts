// Which native BLAS, if any, the wasm backend's matrix products and convolutions run on (set by selectBlas from
// `--blas`).

import type { NativeBlas } from '@ringtrain/native-blas';

let active: NativeBlas | undefined;

/** Routes the wasm backend's matrix products and convolutions to `blas` (undefined: back to XNNPACK). */
export function useNativeBlas(blas: NativeBlas | undefined): void {
  active = blas;
}

/** The BLAS the wasm backend's products use, if any. */
export function nativeBlasInUse(): NativeBlas | undefined {
  return active;
}
