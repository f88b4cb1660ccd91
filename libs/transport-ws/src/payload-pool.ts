// Buffers for messages that arrive before their receive is posted (a fast neighbour's next collective,
// usually: the same few sizes again and again). A fresh multi-megabyte buffer costs page faults and
// zeroing on every byte, and its release a garbage collection; this pool hands the same memory out
// again once a streaming receive has copied the message out of it. Buffers a plain recv() returned
// belong to the caller and never come back.

/** At most this many bytes wait in the pool; buffers beyond it are left to the garbage collector. */
const MAX_POOLED_BYTES = 64 << 20;

export class PayloadPool {
  private readonly free = new Map<number, Uint8Array[]>();
  private pooledBytes = 0;

  /** A buffer of exactly `length` bytes, contents unspecified (the caller overwrites all of it). */
  take(length: number): Uint8Array {
    const reused = this.free.get(length)?.pop();
    if (!reused) return new Uint8Array(length);
    this.pooledBytes -= length;
    return reused;
  }

  /** `bytes` (from take()) is no longer read by anyone. */
  give(bytes: Uint8Array): void {
    if (bytes.length === 0 || this.pooledBytes + bytes.length > MAX_POOLED_BYTES) return;
    let list = this.free.get(bytes.length);
    if (!list) this.free.set(bytes.length, (list = []));
    list.push(bytes);
    this.pooledBytes += bytes.length;
  }
}
