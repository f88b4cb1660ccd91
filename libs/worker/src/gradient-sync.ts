// Step 3 of a training step: average the gradient across the ranks, bucket by bucket, starting each bucket's
// all-reduce as soon as the backward pass has produced all of its gradients (DDP's reducer). The backward pass
// announces finished tensors through the gradient hook of computeGradients; buckets run from the last layers
// back. The backward pass is synchronous, so what overlaps it is each started bucket's first ring stage, written
// to the socket at once (as far as the kernel's buffer takes it); the rest of the ring runs when it returns -
// unless a communication thread reduces the buckets (opts.reducer, --comm-thread), whose rings run meanwhile.
// Buckets are started in the same order on every rank (the order of the backward pass, which is the same model
// everywhere) and each has its own tag, so they can be in flight together.

import { allReduce, type WireDtype } from '@ringtrain/collective';
import type { Transport } from '@ringtrain/transport';
import type { Bucket } from './gradient-buckets.js';

export interface GradientSyncOptions {
  /** float32, or float16 to halve the bytes on the wire (every rank still ends with identical values). */
  wireDtype: WireDtype;
  /** Bound on every wait for a peer, in ms (--comm-timeout-ms). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Who averages a bucket: the ring on this thread's transport by default, or the communication thread's. */
  reducer?: BucketReducer | undefined;
}

/** One bucket's all-reduce as GradientSync asks for it. */
export interface BucketReduceOptions {
  /** Tag the bucket's messages: a step's buckets may be in flight together. */
  step: number;
  bucket: number;
  wireDtype: WireDtype;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/** Averages `bucket` across the ranks in place (DDP's communication hook). */
export type BucketReducer = (bucket: Float32Array, opts: BucketReduceOptions) => Promise<unknown>;

/** [start, end) of one tensor in the flat vector. */
export interface TensorRange {
  readonly start: number;
  readonly end: number;
}

export class GradientSync {
  /** For each tensor, the buckets it overlaps. */
  private readonly bucketsOfTensor: number[][];
  /** For each bucket, how many tensors it waits for. */
  private readonly tensorsPerBucket: number[];
  private waiting: number[] = [];
  private launched: boolean[] = [];
  private inflight: Promise<unknown>[] = [];
  private cancel = new AbortController();
  private step = 0;

  /**
   * `flat` is the vector all-reduced in place; `buckets` cover it (planBuckets, in launch order); `tensors` are
   * the ranges whose readiness tensorReady() announces. Buckets that no tensor overlaps (the model state) are
   * launched by launchRest().
   */
  constructor(
    private readonly t: Transport,
    private readonly flat: Float32Array,
    private readonly buckets: readonly Bucket[],
    tensors: readonly TensorRange[],
    private readonly opts: GradientSyncOptions,
  ) {
    // One listener for the run, not one combined signal per bucket and step (those would pile up on the run's signal).
    opts.signal?.addEventListener('abort', () => this.cancel.abort(opts.signal!.reason), { once: true });
    this.bucketsOfTensor = tensors.map((tensor) => buckets.flatMap((b, index) => (b.start < tensor.end && tensor.start < b.end ? [index] : [])));
    this.tensorsPerBucket = buckets.map((_, index) => this.bucketsOfTensor.filter((list) => list.includes(index)).length);
  }

  /** Starts a step's synchronisation; `step` tags its messages so frames of different steps never mix. */
  begin(step: number): void {
    this.step = step;
    this.waiting = [...this.tensorsPerBucket];
    this.launched = this.buckets.map(() => false);
    this.inflight = [];
    if (!this.cancel.signal.aborted) return;
    this.cancel = new AbortController(); // the previous step failed; a new step may only follow a recovery
    if (this.opts.signal?.aborted) this.cancel.abort(this.opts.signal.reason);
  }

  /** Tensor `index` has its final value in `flat`: launches every bucket that was waiting only for it. */
  tensorReady(index: number): void {
    for (const bucket of this.bucketsOfTensor[index]!) {
      this.waiting[bucket] = this.waiting[bucket]! - 1;
      if (this.waiting[bucket] === 0) this.launch(bucket);
    }
  }

  /** Launches every bucket not launched yet (all of them when no hook announced tensors), in bucket order. */
  launchRest(): void {
    this.buckets.forEach((_, index) => this.launch(index));
  }

  /** Resolves once every bucket is averaged; the first failure cancels the others and is thrown. */
  async finish(): Promise<void> {
    this.launchRest();
    await Promise.all(this.inflight);
  }

  private readonly reduceHere: BucketReducer = (bucket, { step, bucket: id, wireDtype, timeoutMs, signal }) =>
    allReduce(this.t, bucket, { op: 'average', tag: { step, bucket: id }, wireDtype, timeoutMs, signal });

  private launch(index: number): void {
    if (this.launched[index]) return;
    this.launched[index] = true;
    if (this.t.worldSize === 1) return;
    const { start, end } = this.buckets[index]!;
    const reduce = this.opts.reducer ?? this.reduceHere;
    const done = reduce(this.flat.subarray(start, end), {
      step: this.step,
      bucket: index,
      wireDtype: this.opts.wireDtype,
      timeoutMs: this.opts.timeoutMs,
      signal: this.cancel.signal,
    }).catch((err: unknown) => {
      this.cancel.abort();
      throw err;
    });
    done.catch(() => undefined); // finish() awaits it; until then a failure must not count as unhandled
    this.inflight.push(done);
  }
}
