// Slots of memory that the two ends of a link on one machine share, so that a payload crosses from one process to
// the other with one copy - the sender's, into a slot - where a socket costs two (into the kernel and out again),
// and the receiver's reduction reads it where it lies: the slots are regions of each process's SIMD memory
// (@ringtrain/simd) with the same shared pages mapped under them (@ringtrain/native-socket), so the collectives'
// kernels work on them in place. NCCL moves data between the GPUs of a node through shared memory the same way.
//
// The receiver makes the slots (an anonymous shared file: nothing to clean up when a process dies) when its pull link
// runs over a Unix socket and offers them to the sender (slot-messages.ts in @ringtrain/protocol), which maps them
// through /proc once it has checked the offer (websocket-transport.ts). From then on the sender copies every payload
// of MIN_SLOT_PAYLOAD up to a slot's size into a free slot and announces it with a slot frame on the link (the
// link's order is the messages' order); the receiver consumes it and hands the slot back with a free message. A
// smaller or larger payload, or one sent while earlier ones still wait for a slot, keeps its place in line. Without
// the addon, or where the memory has no room, the link simply stays a socket.

import { ErrorCodes, ProtocolError, TransportError, type ErrorCode, type ErrorContext } from '@ringtrain/common';
import { closeSharedRegion, createSharedRegion, openSharedRegion, sharedRegionPageBytes, unmapSharedRegion, type SharedRegionHandle } from '@ringtrain/native-socket';
import { encodeSlotMessage, type SlotMessage } from '@ringtrain/protocol';
import { simdMemory, type SimdMemory } from '@ringtrain/simd';

/** Bytes per slot: the collectives' default segment (@ringtrain/collective), so every segment fits one. */
export const SLOT_BYTES = 4 << 20;
/**
 * Slots per link: the sender fills one while the receiver reduces from another, with room for the receive of the
 * next bucket to lag behind. Only pages that are written take memory.
 */
export const SLOT_COUNT = 4;
/**
 * The SIMD memory one link's slots take at each end: the slots and a page of slack to align them (64 KiB, the largest
 * page size of the platforms Node runs on). Only the pages written take memory.
 */
export const SHARED_SLOTS_MEMORY_BYTES = SLOT_COUNT * SLOT_BYTES + (64 << 10);
/** Smaller payloads go over the socket: a copy through the kernel costs them less than a slot's round trip. */
export const MIN_SLOT_PAYLOAD = 64 << 10;

/** A page-aligned stretch of the SIMD memory with a shared file mapped under it. */
class MappedRegion {
  private constructor(
    private readonly memory: SimdMemory,
    /** What the allocator handed out (a page longer than the region, to align it). */
    private readonly allocation: Uint8Array,
    readonly bytes: Uint8Array,
    /** Set when this process created the file: the handle a peer opens it by, closed on release. */
    readonly handle: SharedRegionHandle | undefined,
  ) {}

  /** A shared file mapped over a new region of `length` bytes: `peer`'s (by its handle), else a new one; or why not. */
  static map(length: number, memory: SimdMemory, peer?: SharedRegionHandle): MappedRegion | string {
    const page = sharedRegionPageBytes();
    if (typeof page === 'string') return page;
    if (length % page !== 0) return `a ${length}-byte region is not whole ${page}-byte pages`;
    let allocation: Uint8Array;
    try {
      allocation = memory.allocateBytes(length + page);
    } catch (error) {
      return `no room in the SIMD memory: ${(error as Error).message}`;
    }
    // The memory starts on a page boundary (WebAssembly memories are mapped whole), so offsets align addresses.
    const skip = (page - (allocation.byteOffset % page)) % page;
    const bytes = allocation.subarray(skip, skip + length);
    const mapped = peer ? { ...openSharedRegion(bytes, peer), handle: undefined } : createSharedRegion(bytes);
    if (!mapped.ok) {
      if (!mapped.lost) memory.release(allocation); // else its pages may be gone: it is never handed out again
      return mapped.reason;
    }
    return new MappedRegion(memory, allocation, bytes, mapped.handle);
  }

  /** Private pages back under the region, the region back to the allocator, and the file's descriptor closed. */
  release(): void {
    if (this.handle) closeSharedRegion(this.handle);
    // If unmapping failed the pages would stay shared with the peer: then the region is never handed out again.
    if (unmapSharedRegion(this.bytes).ok) this.memory.release(this.allocation);
  }
}

/** The receiving end: slots this rank made and offered; payloads arrive in them. */
export class InboundSlots {
  private released = false;

  private constructor(
    private readonly region: MappedRegion,
    readonly count: number,
    readonly slotBytes: number,
  ) {}

  /** Makes `count` slots of `slotBytes` in `memory`, or says why it cannot (no addon, not Linux, no room). */
  static create(memory: SimdMemory = simdMemory, count = SLOT_COUNT, slotBytes = SLOT_BYTES): InboundSlots | string {
    const region = MappedRegion.map(count * slotBytes, memory);
    return typeof region === 'string' ? region : new InboundSlots(region, count, slotBytes);
  }

  /** The message that offers these slots to the sender. */
  offer(): Buffer {
    return encodeSlotMessage({ kind: 'offer', slots: this.count, slotBytes: this.slotBytes, ...this.region.handle! });
  }

  /** The `length` payload bytes in `slot`, where they lie. Throws ProtocolError for a slot frame these slots cannot hold. */
  payload(slot: number, length: number, context: ErrorContext): Uint8Array {
    if (slot >= this.count || length > this.slotBytes) {
      throw new ProtocolError(ErrorCodes.PROTOCOL, `slot frame names slot ${slot} for ${length} bytes; this link has ${this.count} slots of ${this.slotBytes} bytes`, context);
    }
    return this.region.bytes.subarray(slot * this.slotBytes, slot * this.slotBytes + length);
  }

  /** Gives the memory back. Only once nothing reads from a slot any more: the link is closed. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.region.release();
  }
}

/** Writes one message on the link: a slot frame for `slot`, or header and payload when `slot` is undefined. */
export type FrameWriter = (slot: number | undefined) => Promise<void>;

/** A send in the link's line: settles when written; cancel() takes it out of the line if it has not been yet. */
export interface QueuedSend {
  done: Promise<void>;
  cancel(): void;
}

/** The sending end: the peer's slots, mapped here, and the line of sends on the link. */
export class OutboundSlots {
  private readonly free: number[];
  /** Sends not yet written, oldest first; each returns false while it must wait for a slot. */
  private readonly line: Array<() => boolean> = [];
  private closedBecause: TransportError | undefined;

  private constructor(
    private readonly region: MappedRegion,
    private readonly count: number,
    private readonly slotBytes: number,
    private readonly context: ErrorContext,
  ) {
    this.free = Array.from({ length: count }, (_, i) => count - 1 - i); // pop() hands out slot 0 first
  }

  /** Maps the slots an offer names, or says why it cannot. */
  static accept(offer: Extract<SlotMessage, { kind: 'offer' }>, context: ErrorContext, memory: SimdMemory = simdMemory): OutboundSlots | string {
    const region = MappedRegion.map(offer.slots * offer.slotBytes, memory, { pid: offer.pid, fd: offer.fd, inode: offer.inode });
    return typeof region === 'string' ? region : new OutboundSlots(region, offer.slots, offer.slotBytes, context);
  }

  /**
   * Sends `payload` in its turn: copied into a slot when it fits one and is not small (MIN_SLOT_PAYLOAD; it may be
   * reused as soon as this resolves), over the socket otherwise. While no slot is free it waits, and so does every
   * later send on the link. A send cancelled while it waits (its caller gave up) never touches `payload`.
   */
  send(payload: Uint8Array, write: FrameWriter): QueuedSend {
    let attempt!: () => boolean;
    let fail!: (err: Error) => void;
    const done = new Promise<void>((resolve, reject) => {
      fail = reject;
      attempt = (): boolean => {
        if (this.closedBecause) {
          reject(this.closedBecause);
          return true;
        }
        let slot: number | undefined;
        if (payload.byteLength >= MIN_SLOT_PAYLOAD && payload.byteLength <= this.slotBytes) {
          slot = this.free.pop();
          if (slot === undefined) return false;
        }
        try {
          if (slot !== undefined) this.region.bytes.set(payload, slot * this.slotBytes);
        } catch (err) {
          if (slot !== undefined) this.free.push(slot); // (whoever runs this attempt goes on down the line)
          reject(err); // a payload that cannot be read (its buffer detached, say) fails alone
          return true;
        }
        write(slot).then(resolve, (err: Error) => {
          if (slot !== undefined) this.returnSlot(slot); // never announced: the receiver will not hand it back
          reject(err);
        });
        return true;
      };
    });
    if (this.line.length > 0 || !attempt()) this.line.push(attempt);
    return {
      done,
      cancel: () => {
        const at = this.line.indexOf(attempt);
        if (at < 0) return; // written already, or failed
        this.line.splice(at, 1);
        fail(new TransportError(ErrorCodes.ABORTED, 'send given up while it waited for a shared slot', this.context));
        if (at === 0) this.advance(); // it held up the line
      },
    };
  }

  /** The receiver consumed the payload in `slot`. Throws ProtocolError for a slot that was not in use. */
  release(slot: number): void {
    if (slot >= this.count || this.free.includes(slot)) {
      throw new ProtocolError(ErrorCodes.PROTOCOL, `peer handed back slot ${slot}, which it was not holding (${this.count} slots)`, this.context);
    }
    this.returnSlot(slot);
  }

  /** A slot is free again: the sends waiting for one may go. */
  private returnSlot(slot: number): void {
    this.free.push(slot);
    if (!this.closedBecause) this.advance();
  }

  /**
   * The link is gone (`code` E_PEER_CLOSED) or this rank closed it (E_CLOSED): sends still waiting fail with `code`,
   * and the slots' memory goes back.
   */
  close(reason: string, code: ErrorCode = ErrorCodes.PEER_CLOSED): void {
    if (this.closedBecause) return;
    this.closedBecause = new TransportError(code, `link closed while a send waited for a shared slot: ${reason}`, this.context);
    for (const attempt of this.line.splice(0)) attempt();
    this.region.release();
  }

  /** Writes the sends at the head of the line for as long as they can go. */
  private advance(): void {
    while (this.line.length > 0 && this.line[0]!()) this.line.shift();
  }
}
