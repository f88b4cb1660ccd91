// Whether the wasm backend's matrix products run on the host's BLAS (`--blas`):
//
//   auto     the native BLAS when @ringtrain/native-blas built and OpenBLAS, Accelerate or the library
//            RINGTRAIN_BLAS_LIBRARY names opens; XNNPACK otherwise
//   native   the native BLAS, or an error saying why it cannot be used
//   off      XNNPACK (tfjs's own wasm kernels)
//
// Only the wasm backend has a choice: tfjs-node's backends bring libtensorflow's own kernels, and the cpu backend
// exists to be the plain-JavaScript reference.

import { InvalidArgumentError } from '@ringtrain/common';
import { openNativeBlas, type NativeBlasResult } from '@ringtrain/native-blas';
import { useNativeBlas } from '../wasm-kernels/native-blas-in-use.js';
import type { ConcreteBackendName } from './select-backend.js';

export const BLAS_NAMES = ['auto', 'native', 'off'] as const;
export type BlasName = (typeof BLAS_NAMES)[number];

export interface BlasOptions {
  /**
   * The BLAS threads to use unless OPENBLAS_NUM_THREADS or OMP_NUM_THREADS says otherwise (the library reads those
   * itself). A worker passes cores / workers on its node, whether launch or a person started it, which matters
   * beyond speed - OpenBLAS's sums come out differently with another thread count, so a run resumed with other
   * threads would not end bit-identical to an uninterrupted one. Default: the library's own choice (all cores).
   */
  threads?: number;
  /** The environment to look for those variables in (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Finds the library (default: openNativeBlas, which reads RINGTRAIN_BLAS_LIBRARY). */
  open?: () => NativeBlasResult;
}

export interface SelectedBlas {
  /** Whether the matrix products run on a native BLAS. */
  native: boolean;
  /** What was chosen and why, one line for the log. */
  reason: string;
}

/**
 * Routes the wasm backend's matrix products as `requested` says, for this process. `backend` is the backend in use
 * (selectBackend's choice).
 */
export function selectBlas(requested: BlasName, backend: ConcreteBackendName, options: BlasOptions = {}): SelectedBlas {
  const { threads, env = process.env, open = () => openNativeBlas() } = options;
  if (!(BLAS_NAMES as readonly string[]).includes(requested)) {
    throw new InvalidArgumentError(`unknown --blas '${requested}', expected one of: ${BLAS_NAMES.join(', ')}`, { subject: 'blas' });
  }
  useNativeBlas(undefined);
  if (requested === 'off') return { native: false, reason: '--blas off: matrix products on XNNPACK' };
  if (backend !== 'wasm') {
    if (requested === 'native') throw new InvalidArgumentError(`--blas native needs the wasm backend, not ${backend}`, { subject: 'blas' });
    return { native: false, reason: `not used by the ${backend} backend` };
  }
  const opened = open();
  if (!opened.ok) {
    if (requested === 'native') throw new InvalidArgumentError(`--blas native: ${opened.reason}`, { subject: 'blas' });
    return { native: false, reason: `auto: ${opened.reason}; matrix products on XNNPACK` };
  }
  const { blas } = opened;
  // A generic libblas.so.3 that is not OpenBLAS is most likely the reference BLAS, slower than XNNPACK: auto only
  // takes OpenBLAS, Accelerate, or what RINGTRAIN_BLAS_LIBRARY names.
  const chosen = env['RINGTRAIN_BLAS_LIBRARY'] !== undefined && env['RINGTRAIN_BLAS_LIBRARY'] !== '';
  if (requested === 'auto' && blas.config === null && !chosen && !blas.library.includes('Accelerate')) {
    return { native: false, reason: `auto: ${blas.library} is not OpenBLAS (a reference BLAS is slower than XNNPACK); matrix products on XNNPACK (--blas native or RINGTRAIN_BLAS_LIBRARY uses it anyway)` };
  }
  useNativeBlas(blas);
  const threadsFromEnv = env['OPENBLAS_NUM_THREADS'] !== undefined || env['OMP_NUM_THREADS'] !== undefined;
  if (threads !== undefined && !threadsFromEnv) blas.setThreads(threads);
  const inUse = blas.threads();
  const described = [blas.config ?? blas.library, inUse === null ? undefined : `${inUse} thread${inUse === 1 ? '' : 's'}`];
  return { native: true, reason: `${requested}: matrix products on ${described.filter(Boolean).join(', ')}` };
}
