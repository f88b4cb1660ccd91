// Memory the SIMD reducer works on in place. WebAssembly code reads and writes only its own linear
// memory, so a Float32Array anywhere else has to be copied in before a reduction and the result
// copied out - three extra passes over every reduced byte. Buffers allocated here are views of that
// memory: an all-reduce of such a buffer adds in place, and a streaming receive can land the peer's
// bytes next to it (see apply-sink.ts), so the kernel sees both operands where they already are.
//
// The memory is shared (SharedArrayBuffer-backed) for one property only: growing a shared memory
// never detaches the views handed out before, which growing a plain WebAssembly memory would do.
// Nothing here is used across threads.

import { CollectiveError, ErrorCodes } from '@ringtrain/common';
import { Wasm, type WasmMemory } from './wasm-api.js';

const PAGE = 65536;
/** The wasm32 limit (4 GiB). A shared memory reserves this much address space up front, not memory. */
export const MAX_PAGES = 65536;
/** Allocations start on cache-line boundaries (SIMD needs 16 bytes; 64 keeps neighbours off each other's lines). */
const ALIGN = 64;

/** The size of the region that holds `bytes` bytes. */
const regionBytes = (bytes: number): number => Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);

export class ReduceMemory {
  readonly memory: WasmMemory = new Wasm.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  /** Every SharedArrayBuffer object this memory has shown (a new one after each grow), to recognise our views. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** First byte never handed out. Address 0 is never handed out, so 0 never names a buffer. */
  private top = ALIGN;
  /** Released regions by size, handed out again for the same size (buffers are long-lived and few). */
  private readonly free = new Map<number, number[]>();
  /** Live allocations: address -> the bytes asked for and the region that holds them. */
  private readonly live = new Map<number, { bytes: number; region: number }>();

  /** A zero-filled Float32Array of `length` elements inside this memory. */
  allocate(length: number): Float32Array {
    if (!Number.isInteger(length) || length < 0) {
      throw new CollectiveError(ErrorCodes.COLLECTIVE_MISUSE, `allocateReduceBuffer: length must be a non-negative integer, got ${length}`);
    }
    const at = this.region(length * 4); // first: it may grow the memory, and so change its buffer
    return new Float32Array(this.currentBuffer(), at, length).fill(0);
  }

  /** `bytes` bytes inside this memory (contents unspecified), for staging operands and landing received bytes. */
  allocateBytes(bytes: number): Uint8Array {
    const at = this.region(bytes);
    return new Uint8Array(this.currentBuffer(), at, bytes);
  }

  /** Returns a buffer from allocate() or allocateBytes() for reuse. The caller must not touch it (or any view of it) again. */
  release(view: ArrayBufferView): void {
    const at = this.addressOf(view);
    const live = at === undefined ? undefined : this.live.get(at);
    if (at === undefined || live === undefined || live.bytes !== view.byteLength) {
      throw new CollectiveError(ErrorCodes.COLLECTIVE_MISUSE, 'releaseReduceBuffer: not a buffer from allocateReduceBuffer, or released twice');
    }
    this.live.delete(at);
    let list = this.free.get(live.region);
    if (!list) this.free.set(live.region, (list = []));
    list.push(at);
  }

  /** The address of `view` in this memory, or undefined if it lives elsewhere. */
  addressOf(view: ArrayBufferView): number | undefined {
    return this.buffers.has(view.buffer) ? view.byteOffset : undefined;
  }

  /** Address of a region of `bytes` bytes (reused if one of that size was released). */
  private region(bytes: number): number {
    const region = regionBytes(bytes);
    const at = this.free.get(region)?.pop() ?? this.bump(region);
    this.live.set(at, { bytes, region });
    return at;
  }

  private bump(bytes: number): number {
    const at = this.top;
    const end = at + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      } catch (cause) {
        throw new CollectiveError(ErrorCodes.COLLECTIVE_MISUSE, `allocateReduceBuffer: cannot grow reduction memory to ${end} bytes (limit 4 GiB)`, {}, { cause });
      }
    }
    this.top = end;
    return at;
  }

  private currentBuffer(): ArrayBufferLike {
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    return buffer;
  }
}

/** The process's reduction memory, shared by every collective and every buffer allocated for them. */
export const reduceMemory = new ReduceMemory();

/**
 * A zero-filled Float32Array in the memory the all-reduce kernels work on: reducing it needs no copies
 * (measured in the README's benchmark section). Any Float32Array works with every collective; this one
 * is faster. Its buffer is a SharedArrayBuffer. Release it with releaseReduceBuffer() if it is not kept
 * for the life of the process - but not while a collective that failed on it may still receive: as with
 * any buffer, a socket read already under way may still land in it until its transport is closed.
 */
export function allocateReduceBuffer(length: number): Float32Array {
  return reduceMemory.allocate(length);
}

/** Hands a buffer from allocateReduceBuffer() back for reuse; it must not be used afterwards. */
export function releaseReduceBuffer(buffer: Float32Array): void {
  reduceMemory.release(buffer);
}
