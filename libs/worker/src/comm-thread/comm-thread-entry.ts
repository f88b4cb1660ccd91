// The communication thread's entry module. @ringtrain/simd must see the arena of the main thread's memory
// before it first loads (its allocator is made at load time), so this module sets it, then loads the rest.

import { workerData } from 'node:worker_threads';
import { THREAD_ARENA } from '@ringtrain/simd/thread-arena';
import type { CommThreadData } from './messages.js';

(globalThis as Record<symbol, unknown>)[THREAD_ARENA] = (workerData as CommThreadData).arena;
await import('./comm-service.js');
