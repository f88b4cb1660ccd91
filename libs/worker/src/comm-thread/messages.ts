// What the worker's main thread and its communication thread say to each other (comm-thread.ts, comm-service.ts).
// Plain data only: structured clone carries it, the SIMD memory is shared, not copied.

import type { SerializedError } from '@ringtrain/common';
import type { WireDtype } from '@ringtrain/collective';
import type { SimdArena } from '@ringtrain/simd';

/** The thread's start parameters (its workerData). */
export interface CommThreadData {
  /** The arena of the main thread's SIMD memory this thread allocates in (landing regions, staging). */
  arena: SimdArena;
  /** Its own data-plane listener: the same token, host, advertised host, Unix-socket setting and TLS as the main thread's. */
  plane: {
    token: string | undefined;
    host: string;
    advertiseHost: string | undefined;
    localSockets: boolean;
    sharedMemory: boolean;
    connectTimeoutMs: number;
    tls: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer | undefined } | undefined;
  };
}

export type ToCommThread =
  /** Joins a ring generation of two or more ranks: links from `left` (the neighbour this rank receives from). */
  | { type: 'join'; rank: number; worldSize: number; generation: number; left: { rank: number; host: string; port: number } }
  /** Averages `length` floats at byte `address` of the SIMD memory in place; answered by done/failed with the same id. */
  | { type: 'allReduce'; id: number; address: number; length: number; step: number; bucket: number; wireDtype: WireDtype; timeoutMs: number }
  /** Cancels every all-reduce of the current generation (each fails with this error). */
  | { type: 'abort'; error: SerializedError }
  /** Leaves the generation: cancels its all-reduces and closes its links; answered by `left`. */
  | { type: 'leave' }
  /** Closes the listener; answered by `closed`, after which the thread ends. */
  | { type: 'close' };

export type FromCommThread =
  | { type: 'listening'; port: number }
  | { type: 'done'; id: number }
  | { type: 'failed'; id: number; error: SerializedError }
  | { type: 'left' }
  /** The first payload from rank `from` in this generation arrived through shared memory (a shared slot). */
  | { type: 'sharedMemory'; from: number }
  | { type: 'closed' }
  /** The listener refused a link or saw a malformed frame (the transport keeps running), or the thread could not start (instead of listening). */
  | { type: 'error'; error: SerializedError };
