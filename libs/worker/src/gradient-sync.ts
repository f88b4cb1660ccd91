// Step 3 of a training step: average the gradient across the ranks, bucket by bucket. Every bucket's all-reduce
// is started at once with its own tag, in the fixed bucket order, so while one bucket's chunk is being reduced
// the next bucket's bytes are already on the wire (the collectives post all their receives up front).

import { allReduce, type WireDtype } from '@ringtrain/collective';
import type { Transport } from '@ringtrain/transport';
import type { Bucket } from './gradient-buckets.js';

export interface GradientSyncOptions {
  /** The global step: tags the messages, so a late frame of another step can never be mistaken for this one's. */
  step: number;
  /** float32, or float16 to halve the bytes on the wire (every rank still ends with identical values). */
  wireDtype: WireDtype;
  /** Bound on every wait for a peer, in ms (--comm-timeout-ms). */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Replaces `flat` by its average over all ranks, in place; bit-identical on every rank afterwards. */
export async function averageAcrossRanks(t: Transport, flat: Float32Array, buckets: readonly Bucket[], opts: GradientSyncOptions): Promise<void> {
  if (t.worldSize === 1) return;
  // The first bucket to fail cancels the others, so they do not wait out their timeouts.
  const cancel = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, cancel.signal]) : cancel.signal;
  await Promise.all(
    buckets.map((bucket, index) =>
      allReduce(t, flat.subarray(bucket.start, bucket.end), {
        op: 'average',
        tag: { step: opts.step, bucket: index },
        wireDtype: opts.wireDtype,
        timeoutMs: opts.timeoutMs,
        signal,
      }).catch((err: unknown) => {
        cancel.abort();
        throw err;
      }),
    ),
  );
}
