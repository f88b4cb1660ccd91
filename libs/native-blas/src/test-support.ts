import { openNativeBlas, type NativeBlas } from './index.js';

// CI installs OpenBLAS and sets RINGTRAIN_EXPECT_NATIVE_BLAS=1, so that a broken build or a missing library fails
// the native tests there instead of skipping them.
const expected = process.env['RINGTRAIN_EXPECT_NATIVE_BLAS'] === '1';
const opened = openNativeBlas();

/** Whether to skip the tests that need the library: it did not open, and nobody expects it to. */
export const skipWithoutBlas = !opened.ok && !expected;

/** The opened library, for tests that do not skip (without one, using it fails the test, as CI wants). */
export const testBlas = (opened.ok ? opened.blas : undefined) as NativeBlas;

/** Deterministic pseudo-random values in [-1, 1) (a small LCG: no dependency, the same on every run). */
export function pseudoRandom(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}
