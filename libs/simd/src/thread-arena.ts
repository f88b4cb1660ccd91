// How a thread comes to share the SIMD memory of the thread that started it. Its entry module sets
// globalThis[THREAD_ARENA] before it loads anything that imports @ringtrain/simd, whose process-wide
// allocator (simdMemory) then works inside that arena of the other thread's memory. This module imports
// nothing, so an entry module can import it first (`@ringtrain/simd/thread-arena`).

import type { WasmMemory } from './wasm-api.js';

/** A region [start, end) of a shared memory that one thread's allocator may hand out (SimdMemory.shareArena). */
export interface SimdArena {
  memory: WasmMemory;
  start: number;
  end: number;
}

export const THREAD_ARENA = Symbol.for('ringtrain.simd.threadArena');
