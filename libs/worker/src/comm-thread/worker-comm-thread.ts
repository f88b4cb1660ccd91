// A worker's communication thread over a whole run (--comm-thread): started once, for the first ring of two or
// more ranks; joined to every generation; left when a generation ends (before the gradient vector is touched
// again); closed when the worker exits. A thread that cannot start or stops answering is dropped, and the main
// thread averages the gradients from the next generation on (the ranks agree on that in joinThreadRing).

import type { RingtrainError } from '@ringtrain/common';
import type { RingMember } from '@ringtrain/protocol';
import type { Transport } from '@ringtrain/transport';
import type { BucketReducer } from '../gradient-sync.js';
import { CommThread, type CommThreadOptions } from './comm-thread.js';
import { joinThreadRing } from './join-ring.js';

export interface WorkerCommThreadOptions {
  plane: CommThreadOptions['plane'];
  moduleHooks: string | undefined;
  onError: (err: RingtrainError) => void;
  log: (line: string) => void;
}

export class WorkerCommThread {
  private thread: CommThread | undefined;
  private startFailed = false;

  constructor(private readonly opts: WorkerCommThreadOptions) {}

  /**
   * Joins this generation (every rank of a --comm-thread ring of two or more calls it) and returns the reducer of
   * its gradient buckets, or undefined if some rank has no thread: `synced` (the all-reduced vector) must be in
   * the SIMD memory, `maxInFlight` is the number of buckets a step reduces.
   */
  async join(t: Transport, left: RingMember, generation: number, vector: { synced: Float32Array; maxInFlight: number }, wait: { timeoutMs: number; signal?: AbortSignal }): Promise<BucketReducer | undefined> {
    if (this.thread === undefined && !this.startFailed && CommThread.canReduce(vector.synced)) {
      this.thread = await CommThread.start({
        plane: this.opts.plane,
        moduleHooks: this.opts.moduleHooks,
        maxInFlight: vector.maxInFlight,
        onError: this.opts.onError,
        onSharedMemory: (from) => this.opts.log(`communication thread: receiving payloads from rank ${from} through shared memory`),
      }).catch((err: RingtrainError) => {
        this.startFailed = true;
        this.opts.log(`--comm-thread: the communication thread did not start (${err.message})`);
        return undefined;
      });
    }
    const thread = this.thread;
    if (!(await joinThreadRing(thread, t, left, generation, wait)) || thread === undefined) {
      this.opts.log('--comm-thread: not every rank has a communication thread; the main threads average the gradients');
      return undefined;
    }
    this.opts.log(`gradient buckets averaged on the communication thread (its data plane on port ${thread.port})`);
    return (bucket, reduceOpts) => thread.allReduce(bucket, reduceOpts);
  }

  /** Leaves the current generation; resolves once the thread no longer writes into any buffer (or is gone). */
  async leave(): Promise<void> {
    const thread = this.thread;
    if (thread === undefined) return;
    await thread.leave().catch(async (err: RingtrainError) => {
      this.opts.log(`--comm-thread: the communication thread did not leave its ring (${err.message}); stopping it`);
      this.thread = undefined;
      await thread.close();
    });
  }

  async close(): Promise<void> {
    await this.thread?.close();
    this.thread = undefined;
  }
}
