// The main thread's handle on its communication thread (comm-service.ts): starts it, joins it to each ring
// generation, hands it gradient buckets to average in place, and stops it. Only buffers in the SIMD memory can
// be reduced there (the thread reaches them where they are); canReduce() says which.

import { Worker } from 'node:worker_threads';
import { AbortedError, CollectiveError, ErrorCodes, isRingtrainError, reviveError, RunError, serializeError, TimeoutError, type RingtrainError } from '@ringtrain/common';
import { DEFAULT_SEGMENT_BYTES, LANDING_BYTES } from '@ringtrain/collective';
import { simdMemory, type SimdArena } from '@ringtrain/simd';
import { SHARED_SLOTS_MEMORY_BYTES } from '@ringtrain/transport-ws';
import type { BucketReduceOptions } from '../gradient-sync.js';
import type { CommThreadData, FromCommThread, ToCommThread } from './messages.js';

/**
 * The thread's own buffers in the SIMD memory, for `rings` all-reduces in flight at once: a landing region per ring
 * (twice: a ring that failed mid-message keeps its region), staging for messages that arrived before their
 * receive, which grows by reallocation up to a segment (room for 16 segments), and the shared slots of its two
 * links (from its left neighbour, to its right). The arena never grows, but only the pages touched take memory.
 */
function arenaBytes(rings: number): number {
  return 2 * rings * LANDING_BYTES + 16 * DEFAULT_SEGMENT_BYTES + 2 * SHARED_SLOTS_MEMORY_BYTES;
}

const ENTRY = new URL('./comm-thread-entry.ts', import.meta.url);

export interface CommThreadOptions {
  /** The thread's data plane: the same token, hosts, Unix-socket setting and TLS as the main thread's; connectTimeoutMs as there. */
  plane: CommThreadData['plane'];
  /**
   * A module the thread must import before its entry so that Node can load these TypeScript sources (module
   * hooks, as the CLI registers for itself: apps/cli/bin/register-hooks.mjs); undefined when none is needed.
   */
  moduleHooks?: string | undefined;
  /** Refused links and malformed frames on the thread's listener (the transport keeps running). */
  onError?: (err: RingtrainError) => void;
  /** The first payload of a generation from rank `from` arrived through shared memory (as workers log it). */
  onSharedMemory?: (from: number) => void;
  /** The most all-reduces the thread will have in flight at once (the gradient buckets of a step): sizes its arena. */
  maxInFlight: number;
  /** Bound on starting, leaving a generation and closing, in ms. Default 60 s. */
  timeoutMs?: number;
}

interface Pending {
  resolve: () => void;
  reject: (err: RingtrainError) => void;
}

export class CommThread {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** Set once the thread is gone (it failed or was closed): every call after fails with it. */
  private gone: RingtrainError | undefined;
  private readonly waiters = new Map<'left' | 'closed', () => void>();
  /** Set when the thread answered 'closed': it closed its links, so no peer maps any part of its arena any more. */
  private closedCleanly = false;
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    /** The port the thread's data plane listens on (its host is the main data plane's). */
    readonly port: number,
    private readonly arena: SimdArena,
    private readonly timeoutMs: number,
  ) {}

  /** False once the thread has failed or was closed. */
  get alive(): boolean {
    return this.gone === undefined;
  }

  /** Starts the thread and waits until its data plane listens. */
  static async start(opts: CommThreadOptions): Promise<CommThread> {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const arena = simdMemory.shareArena(arenaBytes(opts.maxInFlight));
    const workerData: CommThreadData = { arena, plane: opts.plane };
    // Only the hooks: a process's own flags (--trace-gc, say) may be ones a thread refuses (ERR_WORKER_INVALID_EXEC_ARGV).
    const worker = new Worker(ENTRY, { workerData, ...(opts.moduleHooks === undefined ? {} : { execArgv: ['--import', opts.moduleHooks] }) });
    const port = await new Promise<number>((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        worker.off('error', onError).off('exit', onExit).off('message', onMessage);
      };
      const fail = (err: RingtrainError): void => {
        settle();
        worker.on('error', () => undefined); // an error while it is being terminated must not reach the process
        void worker.terminate().then(() => simdMemory.releaseArena(arena));
        reject(err);
      };
      const onError = (err: Error): void => fail(new RunError(ErrorCodes.WORKER_FAILED, `the communication thread failed to start: ${err.message}`));
      const onExit = (code: number): void => fail(new RunError(ErrorCodes.WORKER_FAILED, `the communication thread exited (code ${code}) before it listened`));
      const onMessage = (m: FromCommThread): void => {
        if (m.type !== 'listening') return fail(m.type === 'error' ? reviveError(m.error) : new RunError(ErrorCodes.WORKER_FAILED, `the communication thread said ${m.type} before it listened`));
        settle();
        resolve(m.port);
      };
      const timer = setTimeout(() => fail(new TimeoutError(`the communication thread did not start within ${timeoutMs} ms`)), timeoutMs);
      worker.on('error', onError).on('exit', onExit).on('message', onMessage);
    });
    const thread = new CommThread(worker, port, arena, timeoutMs);
    worker.on('message', (m: FromCommThread) => thread.receive(m, opts));
    worker.on('error', (err) => thread.die(new RunError(ErrorCodes.WORKER_FAILED, `the communication thread failed: ${err.message}`)));
    worker.on('exit', (code) => thread.die(new RunError(ErrorCodes.WORKER_FAILED, `the communication thread exited (code ${code})`)));
    return thread;
  }

  /** Whether a communication thread can average `data`: it must live in this process's SIMD memory. */
  static canReduce(data: Float32Array): boolean {
    return simdMemory.addressOf(data) !== undefined;
  }

  /** Joins a ring generation of two or more ranks, receiving from `left`. Leave the previous one first. */
  join(membership: { rank: number; worldSize: number; generation: number }, left: { rank: number; host: string; port: number }): void {
    this.post({ type: 'join', ...membership, left });
  }

  /**
   * Averages `data` (in the SIMD memory) across the ring in place, on the thread. Do not touch `data` until it
   * settles. Aborting opts.signal cancels every all-reduce in flight on the thread (a step's buckets fail together
   * anyway).
   */
  allReduce(data: Float32Array, opts: BucketReduceOptions): Promise<void> {
    if (this.gone) return Promise.reject(this.gone);
    const address = simdMemory.addressOf(data);
    if (address === undefined) return Promise.reject(new CollectiveError(ErrorCodes.COLLECTIVE_MISUSE, 'the communication thread reduces only buffers in the SIMD memory'));
    const reason = (): RingtrainError => (isRingtrainError(opts.signal?.reason) ? opts.signal.reason : new AbortedError('all-reduce aborted', { step: opts.step }));
    if (opts.signal?.aborted) return Promise.reject(reason());
    const id = this.nextId++;
    const onAbort = (): void => this.post({ type: 'abort', error: serializeError(reason()) });
    return new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        this.pending.delete(id);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, { resolve: () => (settle(), resolve()), reject: (err) => (settle(), reject(err)) });
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.post({ type: 'allReduce', id, address, length: data.length, step: opts.step, bucket: opts.bucket, wireDtype: opts.wireDtype, timeoutMs: opts.timeoutMs });
    });
  }

  /** Leaves the current generation: its all-reduces fail, its links close. Resolves once the thread no longer touches any buffer. */
  leave(): Promise<void> {
    return this.request({ type: 'leave' }, 'left');
  }

  /** Stops the thread (leaving the generation first). Idempotent; a thread that does not answer is terminated. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.gone) await this.request({ type: 'close' }, 'closed').catch(() => undefined);
    this.die(new RunError(ErrorCodes.WORKER_FAILED, 'the communication thread is closed'));
    await this.worker.terminate();
    // Nothing runs in the arena any more. But only a thread that closed its links has unmapped their shared slots
    // (regions of the arena shared with a peer process, which may still write into them): a thread that died or did
    // not answer keeps its arena for the life of the process.
    if (this.closedCleanly) simdMemory.releaseArena(this.arena);
  }

  private request(message: ToCommThread, answer: 'left' | 'closed'): Promise<void> {
    if (this.gone) return Promise.reject(this.gone);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(answer);
        reject(new TimeoutError(`the communication thread did not answer '${message.type}' within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiters.set(answer, () => {
        clearTimeout(timer);
        resolve();
      });
      this.post(message);
    });
  }

  private receive(m: FromCommThread, { onError, onSharedMemory }: Pick<CommThreadOptions, 'onError' | 'onSharedMemory'>): void {
    switch (m.type) {
      case 'done':
        return this.pending.get(m.id)?.resolve();
      case 'failed':
        return this.pending.get(m.id)?.reject(reviveError(m.error));
      case 'left':
      case 'closed': {
        if (m.type === 'closed') this.closedCleanly = true;
        const waiter = this.waiters.get(m.type);
        this.waiters.delete(m.type);
        return waiter?.();
      }
      case 'error': // after the start, only the listener's refusals: the thread runs on
        return onError?.(reviveError(m.error));
      case 'sharedMemory':
        return onSharedMemory?.(m.from);
    }
  }

  /** The thread is gone: everything waiting on it fails with `err`. */
  private die(err: RingtrainError): void {
    if (this.gone) return;
    this.gone = err;
    for (const { reject } of [...this.pending.values()]) reject(err);
    for (const waiter of this.waiters.values()) waiter(); // leave/close: nothing is left to wait for
    this.waiters.clear();
  }

  private post(message: ToCommThread): void {
    if (!this.gone) this.worker.postMessage(message);
  }
}
