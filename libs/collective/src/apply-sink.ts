// Adapts "combine these received bytes into dst" to a transport's streaming receive: pieces arrive at
// any byte offset and may split an element between two pieces, so up to one element's bytes are
// carried over; whole elements go to `apply` in as few calls as the pieces allow.
//
// A transport that reads from a socket may also ask a sink where to put the next bytes (reserve and
// commit, see PayloadSink): then the kernel's copy out of the socket is the only copy. A sink that
// combines offers its landing region (in the SIMD memory, where dst should live too, so the kernel adds
// with no staging copies); a sink that only copies float32 bytes offers dst itself.

import type { PayloadSink } from '@ringtrain/transport';
import type { WireFormat } from './wire-format.js';

/** Combines bytes holding exactly dst.length wire elements into dst. */
export type ApplyFn = (dst: Float32Array, payload: Uint8Array) => void;

/** A sink that knows whether a region it reserved may still be written by the transport. */
export interface TrackedSink extends PayloadSink {
  /** True between a reserve() that handed out a region and the commit() for it. */
  readonly reserving: boolean;
}

/**
 * Combines the payload into dst with `apply`. With `landing` (at least one element plus the bytes one
 * read should bring, typically 256 KiB) the transport may read straight into it.
 */
export function applySink(dst: Float32Array, bytesPerElement: number, apply: ApplyFn, landing?: Uint8Array): TrackedSink {
  const carry = new Uint8Array(bytesPerElement);
  let carried = 0;
  let next = 0; // index of the next element of dst to combine
  let reserving = false;
  /** Applies whole elements of `bytes`, keeping a trailing partial element in `carry`. */
  const consume = (bytes: Uint8Array): void => {
    const whole = Math.floor(bytes.length / bytesPerElement);
    if (whole > 0) {
      apply(dst.subarray(next, next + whole), bytes.subarray(0, whole * bytesPerElement));
      next += whole;
    }
    const rest = bytes.length - whole * bytesPerElement;
    if (rest > 0) {
      carry.set(bytes.subarray(bytes.length - rest));
      carried = rest;
    }
  };
  return {
    byteLength: dst.length * bytesPerElement,
    get reserving() {
      return reserving;
    },
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
      consume(p);
    },
    // The landing region starts with the carried bytes, so every commit hands `apply` whole elements from
    // its start; whatever remains of the payload bounds the region, so no read takes a later message's bytes.
    reserve: landing
      ? (max: number): Uint8Array | undefined => {
          const room = Math.min(max, landing.length - carried);
          if (room <= 0) return undefined;
          landing.set(carry.subarray(0, carried));
          reserving = true;
          return landing.subarray(carried, carried + room);
        }
      : undefined,
    commit: landing
      ? (n: number): void => {
          reserving = false;
          const filled = carried + n;
          carried = 0;
          consume(landing.subarray(0, filled));
        }
      : undefined,
  };
}

/** A sink for float32 bytes that only overwrite `dst`: the transport may read straight into dst. */
export function copySink(dst: Uint8Array): TrackedSink {
  let filled = 0;
  let reserving = false;
  return {
    byteLength: dst.length,
    get reserving() {
      return reserving;
    },
    write(piece: Uint8Array): void {
      dst.set(piece, filled);
      filled += piece.length;
    },
    reserve(max: number): Uint8Array {
      reserving = true;
      return dst.subarray(filled, filled + max);
    },
    commit(n: number): void {
      reserving = false;
      filled += n;
    },
  };
}

/**
 * The sink for one segment's receive: float32 bytes that only overwrite dst ('assign') land in dst
 * itself; anything else is combined through `combine` (landing in `landing`, if given).
 */
export function segmentSink(dst: Float32Array, wire: WireFormat, combine: ApplyFn | 'assign', landing?: Uint8Array): TrackedSink {
  if (combine === 'assign' && wire.verbatim) return copySink(new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength));
  return applySink(dst, wire.bytesPerElement, combine === 'assign' ? (d, bytes) => wire.assign(d, bytes) : combine, landing);
}

/**
 * A sink that holds back pieces while `isBusy()` - while an earlier send of the same region may still
 * read it - and replays them, in order, on flush(). Usually the region was released long before its
 * bytes arrive, and pieces pass straight through (or land directly, when the inner sink offers it).
 *
 * detach() cuts it off when its collective ends: the transport may go on feeding a receive it claimed
 * before the failure, and from then on nothing reaches `inner` (neither dst nor the landing region) and
 * no region is handed out. It returns whether a region handed out earlier is still open: a read may yet
 * fill it, so its memory must not be given to anyone else.
 */
export function gatedSink(inner: TrackedSink, isBusy: () => boolean): PayloadSink & { flush(): void; detach(): boolean } {
  const held: Uint8Array[] = [];
  let detached = false;
  const passing = (): boolean => held.length === 0 && !isBusy();
  return {
    byteLength: inner.byteLength,
    write(piece: Uint8Array): void {
      if (detached) return;
      if (passing()) inner.write(piece);
      else held.push(new Uint8Array(piece)); // a copy: the piece may be the transport's reused read buffer (and Buffer#slice would not copy)
    },
    reserve: inner.reserve && ((max: number) => (!detached && passing() ? inner.reserve!(max) : undefined)),
    commit: inner.commit && ((n: number) => (detached ? undefined : inner.commit!(n))),
    flush(): void {
      for (const piece of held.splice(0)) inner.write(piece);
    },
    detach(): boolean {
      detached = true;
      held.length = 0;
      return inner.reserving;
    },
  };
}
