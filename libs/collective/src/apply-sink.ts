// Adapts "combine these received bytes into dst" to a transport's streaming receive: pieces arrive at
// any byte offset and may split an element between two pieces, so up to one element's bytes are
// carried over; whole elements go to `apply` in as few calls as the pieces allow.

import type { PayloadSink } from '@ringtrain/transport';

/** Combines bytes holding exactly dst.length wire elements into dst. */
export type ApplyFn = (dst: Float32Array, payload: Uint8Array) => void;

export function applySink(dst: Float32Array, bytesPerElement: number, apply: ApplyFn): PayloadSink {
  const carry = new Uint8Array(bytesPerElement);
  let carried = 0;
  let next = 0; // index of the next element of dst to combine
  return {
    byteLength: dst.length * bytesPerElement,
    write(piece: Uint8Array): void {
      let p = piece;
      if (carried > 0) {
        const take = Math.min(bytesPerElement - carried, p.length);
        carry.set(p.subarray(0, take), carried);
        carried += take;
        p = p.subarray(take);
        if (carried < bytesPerElement) return;
        apply(dst.subarray(next, next + 1), carry);
        next++;
        carried = 0;
      }
      const whole = Math.floor(p.length / bytesPerElement);
      if (whole > 0) {
        apply(dst.subarray(next, next + whole), p.subarray(0, whole * bytesPerElement));
        next += whole;
      }
      const rest = p.length - whole * bytesPerElement;
      if (rest > 0) {
        carry.set(p.subarray(p.length - rest));
        carried = rest;
      }
    },
  };
}

/**
 * A sink that holds back pieces while `isBusy()` - while an earlier send of the same region may still
 * read it - and replays them, in order, on flush(). Usually the region was released long before its
 * bytes arrive, and pieces pass straight through.
 */
export function gatedSink(inner: PayloadSink, isBusy: () => boolean): PayloadSink & { flush(): void } {
  const held: Uint8Array[] = [];
  return {
    byteLength: inner.byteLength,
    write(piece: Uint8Array): void {
      if (held.length === 0 && !isBusy()) inner.write(piece);
      else held.push(new Uint8Array(piece)); // a copy: the piece may be the transport's reused read buffer (and Buffer#slice would not copy)
    },
    flush(): void {
      for (const piece of held.splice(0)) inner.write(piece);
    },
  };
}
