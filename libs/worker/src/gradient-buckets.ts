// Tensor fusion: the flat gradient is cut into buckets of about --bucket-mb, so that one all-reduce moves many
// small tensors at once (one round trip instead of one per tensor) and several buckets can be in flight, the
// reduction of one overlapping the transfer of the next. Buckets are plain ranges of the flat vector, computed
// from the same layout on every rank, so every rank reduces the same buckets in the same order. Like DDP, the
// buckets run from the end of the model to its start: the order in which a backward pass produces gradients.

import { InvalidArgumentError } from '@ringtrain/common';

/** [start, end) of one bucket in the flat vector. */
export interface Bucket {
  readonly start: number;
  readonly end: number;
}

/**
 * Buckets of at most `bucketBytes` (float32 elements x 4) over a flat vector made of tensors of `sizes` elements
 * (in model order). Tensors are fused greedily from the last one back; a tensor that does not fit in the room
 * left starts a new bucket, and a tensor larger than a bucket is split (fusion only ever helps small tensors).
 * Returned in reduction order: last tensors first. The buckets cover the vector exactly, without overlap.
 */
export function planBuckets(sizes: readonly number[], bucketBytes: number): Bucket[] {
  if (!(bucketBytes >= 4)) throw new InvalidArgumentError(`--bucket-mb must allow at least one float32 per bucket, got ${bucketBytes} bytes`, { subject: '--bucket-mb' });
  const capacity = Math.floor(bucketBytes / 4);
  const buckets: Bucket[] = [];
  let end = sizes.reduce((sum, size) => sum + size, 0);
  let start = end; // the open bucket is [start, end)
  for (let i = sizes.length - 1; i >= 0; i--) {
    const size = sizes[i]!;
    if (end > start && size > capacity - (end - start)) {
      buckets.push({ start, end });
      end = start;
    }
    start -= size;
    while (end - start > capacity) {
      buckets.push({ start: end - capacity, end });
      end -= capacity;
    }
  }
  if (end > start) buckets.push({ start, end });
  return buckets;
}
