// The memory the SIMD kernels work on in place. WebAssembly code reads and writes only its own linear
// memory, so a Float32Array anywhere else would have to be copied in before a kernel runs and copied
// back out after. Buffers allocated here are views of that memory: an all-reduce of such a buffer adds
// in place (a streaming receive lands the peer's bytes next to it), and an optimizer whose parameters,
// gradient and slots all live here updates them in place. One memory per process, so that every kernel
// module (they all import it) sees every buffer.
//
// The memory is shared (SharedArrayBuffer-backed): growing a shared memory never detaches the views
// handed out before, which growing a plain WebAssembly memory would do, and a thread of the same process
// can work on it too. Such a thread (the worker's communication thread) all-reduces buffers that live
// here, in place: it gets the memory and an arena, a region this thread allocated for it, and allocates
// only inside that (the two allocators never share a byte), never growing the memory.

import { InvalidArgumentError } from '@ringtrain/common';
import { THREAD_ARENA, type SimdArena } from './thread-arena.js';
import { Wasm, type WasmMemory } from './wasm-api.js';

const PAGE = 65536;
/** The wasm32 limit (4 GiB). A shared memory reserves this much address space up front, not memory. */
export const MAX_PAGES = 65536;
/** Allocations start on cache-line boundaries (SIMD needs 16 bytes; 64 keeps neighbours off each other's lines). */
const ALIGN = 64;

/** The size of the region that holds `bytes` bytes. */
const regionBytes = (bytes: number): number => Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);

export class SimdMemory {
  readonly memory: WasmMemory;
  /** Every SharedArrayBuffer object this memory has shown (a new one after each grow), to recognise our views. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** First byte never handed out. Address 0 is never handed out, so 0 never names a buffer. */
  private top = ALIGN;
  /** End of the arena this allocator may use; undefined: the whole memory, growing it as needed. */
  private readonly limit: number | undefined;
  /** Released regions by size, handed out again for the same size (buffers are long-lived and few). */
  private readonly free = new Map<number, number[]>();
  /** Live allocations: address -> the bytes asked for and the region that holds them. */
  private readonly live = new Map<number, { bytes: number; region: number }>();

  /**
   * `maximumPages` (64 KiB each) bounds the memory: the wasm32 limit unless a test wants a small one. With
   * `arena`, allocates in another SimdMemory's memory, within the arena only (see shareArena()).
   */
  constructor(maximumPages = MAX_PAGES, arena?: SimdArena) {
    if (arena === undefined) {
      this.memory = new Wasm.Memory({ initial: 1, maximum: maximumPages, shared: true });
      return;
    }
    this.memory = arena.memory;
    this.top = arena.start;
    this.limit = arena.end;
  }

  /**
   * Allocates `bytes` bytes here as an arena for another thread's SimdMemory (constructed with it): the
   * thread then reaches every buffer of this memory, in place, and allocates only inside the arena.
   * Hand the result to the thread with postMessage or workerData (the memory is shared, not copied).
   */
  shareArena(bytes: number): SimdArena {
    const region = this.allocateBytes(bytes);
    return { memory: this.memory, start: region.byteOffset, end: region.byteOffset + region.byteLength };
  }

  /** Takes back an arena from shareArena() for reuse, once the thread that allocated in it is gone. */
  releaseArena(arena: SimdArena): void {
    this.release(new Uint8Array(this.currentBuffer(), arena.start, arena.end - arena.start));
  }

  /** The `length` floats at byte `address` of this memory (a buffer another thread allocated, say), as a view this memory recognises. */
  view(address: number, length: number): Float32Array {
    return new Float32Array(this.currentBuffer(), address, length);
  }

  /** A zero-filled Float32Array of `length` elements inside this memory. */
  allocate(length: number): Float32Array {
    const vector = this.tryAllocate(length);
    if (vector === undefined) {
      throw new InvalidArgumentError(`allocateSimdBuffer: no room for ${length} floats in the SIMD memory (4 GiB at most)`, { subject: 'length' });
    }
    return vector;
  }

  /** Like allocate(), but undefined when the memory cannot grow to hold it. */
  tryAllocate(length: number): Float32Array | undefined {
    if (!Number.isInteger(length) || length < 0) {
      throw new InvalidArgumentError(`allocateSimdBuffer: length must be a non-negative integer, got ${length}`, { subject: 'length' });
    }
    const at = this.region(length * 4); // first: it may grow the memory, and so change its buffer
    return at === undefined ? undefined : new Float32Array(this.currentBuffer(), at, length).fill(0);
  }

  /** `bytes` bytes inside this memory (contents unspecified), for staging operands and landing received bytes. */
  allocateBytes(bytes: number): Uint8Array {
    const at = this.region(bytes);
    if (at === undefined) throw new InvalidArgumentError(`no room for ${bytes} bytes in the SIMD memory (4 GiB at most)`, { subject: 'bytes' });
    return new Uint8Array(this.currentBuffer(), at, bytes);
  }

  /** Returns a buffer from allocate() or allocateBytes() for reuse. The caller must not touch it (or any view of it) again. */
  release(view: ArrayBufferView): void {
    const at = this.addressOf(view);
    const live = at === undefined ? undefined : this.live.get(at);
    if (at === undefined || live === undefined || live.bytes !== view.byteLength) {
      throw new InvalidArgumentError('releaseSimdBuffer: not a buffer from allocateSimdBuffer, or released twice', { subject: 'buffer' });
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

  /** The addresses of all `views`, or undefined unless every one lives in this memory. */
  addressesOf(views: readonly ArrayBufferView[]): number[] | undefined {
    const addresses: number[] = [];
    for (const view of views) {
      const at = this.addressOf(view);
      if (at === undefined) return undefined;
      addresses.push(at);
    }
    return addresses;
  }

  /** Address of a region of `bytes` bytes (reused if one of that size was released); undefined if there is no room. */
  private region(bytes: number): number | undefined {
    const region = regionBytes(bytes);
    const at = this.free.get(region)?.pop() ?? this.bump(region);
    if (at !== undefined) this.live.set(at, { bytes, region });
    return at;
  }

  private bump(bytes: number): number | undefined {
    const at = this.top;
    const end = at + bytes;
    if (this.limit !== undefined) {
      if (end > this.limit) return undefined; // an arena never grows the memory it lives in
      this.top = end;
      return at;
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      } catch {
        return undefined; // past the 4 GiB maximum, or the system would not give the pages
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

/**
 * The process's SIMD memory, shared by every kernel module and every buffer allocated for them. In a thread
 * started to work on another thread's memory (its entry module set THREAD_ARENA before loading this one), an
 * allocator over the arena it was given.
 */
export const simdMemory = new SimdMemory(MAX_PAGES, threadArena());

function threadArena(): SimdArena | undefined {
  return (globalThis as { [THREAD_ARENA]?: SimdArena })[THREAD_ARENA];
}

/**
 * A zero-filled Float32Array in the memory the SIMD kernels work on: all-reducing it, or updating it with
 * an optimizer, needs no copies (measured in the README's benchmark sections). Any Float32Array works with
 * every collective and optimizer; this one is faster. Its buffer is a SharedArrayBuffer. Release it with
 * releaseSimdBuffer() if it is not kept for the life of the process - but not while a collective that
 * failed on it may still receive: as with any buffer, a socket read already under way may still land in
 * it until its transport is closed.
 */
export function allocateSimdBuffer(length: number): Float32Array {
  return simdMemory.allocate(length);
}

/**
 * A zero-filled Float32Array for a long-lived vector that kernels should work on in place (parameters,
 * gradients, optimizer slots): in the SIMD memory while it has room, on the JS heap after that. The
 * memory holds at most 4 GiB in all; every user of these vectors accepts either kind and takes its
 * JavaScript path for vectors on the heap, so a model too big for the memory trains, only slower.
 */
export function allocateVector(length: number, memory: SimdMemory = simdMemory): Float32Array {
  return memory.tryAllocate(length) ?? new Float32Array(length);
}

/** Hands a buffer from allocateSimdBuffer() back for reuse; it must not be used afterwards. */
export function releaseSimdBuffer(buffer: Float32Array): void {
  simdMemory.release(buffer);
}
