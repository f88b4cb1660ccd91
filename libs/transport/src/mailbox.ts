// Holds received messages until a matching receive asks for them, and receives until a matching
// message arrives. Shared by every Transport implementation so that matching, timeouts, aborts and
// peer-closed semantics are identical everywhere. A receive is either a plain one (wants a buffer)
// or a streaming one (wants the bytes written into its sink); streaming transports claim the oldest
// receive when a message's header arrives and feed it while the payload is still coming in.

import { CollectiveError, ErrorCodes, TransportError, waitFor, type WaitOptions } from '@ringtrain/common';
import { formatTag, type MessageTag, type PayloadSink } from './transport.js';

/** A pending receive, as claim() hands it to a streaming transport. */
export type Waiter =
  | { kind: 'buffer'; resolve(payload: Uint8Array): void; reject(err: Error): void }
  | { kind: 'sink'; sink: PayloadSink; resolve(): void; reject(err: Error): void };

interface Slot {
  messages: Uint8Array[];
  waiters: Waiter[];
}

function slotKey(peer: number, tag: MessageTag): string {
  return `${peer}/${tag.step}/${tag.bucket}/${tag.phase}/${tag.chunk}`;
}

export class Mailbox {
  private readonly slots = new Map<string, Slot>();
  /** Why a peer can no longer deliver (closed, failed); absent while it is up. */
  private readonly peerDown = new Map<number, Error>();
  /** Receives a streaming transport has claimed and is still feeding, per peer. */
  private readonly claimed = new Map<number, Set<Waiter>>();
  private closedError: Error | undefined;

  constructor(
    private readonly rank: number,
    /** Called with a queued payload once a streaming receive has copied it out: the transport may reuse its memory. */
    private readonly consumed: (payload: Uint8Array) => void = () => undefined,
  ) {}

  /** Delivers a whole message from `peer`: to the oldest waiting receive, else into the queue. */
  deliver(peer: number, tag: MessageTag, payload: Uint8Array): void {
    const waiter = this.takeWaiter(peer, tag);
    if (waiter) this.complete(waiter, peer, tag, payload);
    else this.enqueue(peer, tag, payload);
  }

  /**
   * For streaming transports, when a message's header arrives: the oldest receive waiting for it, now
   * removed from the queue of waiters; the caller must settle it with finishClaim(). Undefined if none waits.
   */
  claim(peer: number, tag: MessageTag): Waiter | undefined {
    const waiter = this.takeWaiter(peer, tag);
    if (waiter) {
      let set = this.claimed.get(peer);
      if (!set) this.claimed.set(peer, (set = new Set()));
      set.add(waiter);
    }
    return waiter;
  }

  /** Ends a claim: the payload has been streamed (sink waiters) or gathered (buffer waiters). */
  finishClaim(peer: number, waiter: Waiter, payload?: Uint8Array): void {
    this.claimed.get(peer)?.delete(waiter);
    if (waiter.kind === 'sink') waiter.resolve();
    else waiter.resolve(payload!);
  }

  /** Ends a claim with a failure (e.g. a size mismatch); the caller discards the message. */
  failClaim(peer: number, waiter: Waiter, err: Error): void {
    this.claimed.get(peer)?.delete(waiter);
    waiter.reject(err);
  }

  /** The error a sink waiter gets for a message of the wrong length (the message is then discarded). */
  sizeMismatch(peer: number, tag: MessageTag, got: number, expected: number): Error {
    return new CollectiveError(
      ErrorCodes.COLLECTIVE_MISUSE,
      `message ${formatTag(tag)} from peer ${peer} has ${got} bytes, the receive expects ${expected}; do all ranks pass buffers of the same length?`,
      { rank: this.rank, peer },
    );
  }

  recv(peer: number, tag: MessageTag, opts: WaitOptions = {}): Promise<Uint8Array> {
    const queued = this.takeQueued(peer, tag);
    if (queued) return Promise.resolve(queued);
    return this.wait<Uint8Array>(peer, tag, opts, (resolve, reject) => ({ kind: 'buffer', resolve, reject }));
  }

  recvInto(peer: number, tag: MessageTag, sink: PayloadSink, opts: WaitOptions = {}): Promise<void> {
    const queued = this.takeQueued(peer, tag);
    if (queued) {
      if (queued.byteLength !== sink.byteLength) return Promise.reject(this.sizeMismatch(peer, tag, queued.byteLength, sink.byteLength));
      sink.write(queued);
      this.consumed(queued);
      return Promise.resolve();
    }
    return this.wait<void>(peer, tag, opts, (resolve, reject) => ({ kind: 'sink', sink, resolve, reject }));
  }

  /** The peer can deliver nothing more: its pending and claimed receives (and later ones with nothing queued) fail. */
  peerClosed(peer: number, reason: string, cause?: unknown): void {
    if (this.peerDown.has(peer)) return;
    const err = new TransportError(ErrorCodes.PEER_CLOSED, `link from peer ${peer} closed: ${reason}`, { rank: this.rank, peer }, { cause });
    this.peerDown.set(peer, err);
    for (const w of this.claimed.get(peer) ?? []) w.reject(err);
    this.claimed.delete(peer);
    const prefix = `${peer}/`;
    for (const [key, slot] of this.slots) {
      if (!key.startsWith(prefix)) continue;
      for (const w of slot.waiters.splice(0)) w.reject(err);
      this.prune(key, slot);
    }
  }

  /** A peer that reconnected (same generation) can deliver again. */
  peerOpened(peer: number): void {
    this.peerDown.delete(peer);
  }

  /** Everything fails from now on; queued messages are dropped. */
  close(): void {
    if (this.closedError) return;
    this.closedError = new TransportError(ErrorCodes.CLOSED, 'transport closed', { rank: this.rank });
    for (const set of this.claimed.values()) for (const w of set) w.reject(this.closedError);
    this.claimed.clear();
    for (const slot of this.slots.values()) for (const w of slot.waiters.splice(0)) w.reject(this.closedError);
    this.slots.clear();
  }

  private complete(waiter: Waiter, peer: number, tag: MessageTag, payload: Uint8Array): void {
    if (waiter.kind === 'buffer') return waiter.resolve(payload);
    if (payload.byteLength !== waiter.sink.byteLength) return waiter.reject(this.sizeMismatch(peer, tag, payload.byteLength, waiter.sink.byteLength));
    waiter.sink.write(payload);
    this.consumed(payload);
    waiter.resolve();
  }

  private wait<T>(
    peer: number,
    tag: MessageTag,
    opts: WaitOptions,
    make: (resolve: (v: T) => void, reject: (e: Error) => void) => Waiter,
  ): Promise<T> {
    const down = this.closedError ?? this.peerDown.get(peer);
    if (down) return Promise.reject(down);
    const key = slotKey(peer, tag);
    let slot = this.slots.get(key);
    if (!slot) this.slots.set(key, (slot = { messages: [], waiters: [] }));
    const owner = slot;
    let waiter!: Waiter;
    const pending = new Promise<T>((resolve, reject) => {
      waiter = make(resolve, reject);
    });
    owner.waiters.push(waiter);
    const withdraw = (): void => {
      const i = owner.waiters.indexOf(waiter);
      if (i >= 0) owner.waiters.splice(i, 1);
      this.prune(key, owner);
    };
    return waitFor(pending, `receive ${formatTag(tag)} from peer ${peer}`, opts, { rank: this.rank, peer }, withdraw);
  }

  private takeWaiter(peer: number, tag: MessageTag): Waiter | undefined {
    const key = slotKey(peer, tag);
    const slot = this.slots.get(key);
    const waiter = slot?.waiters.shift();
    if (slot) this.prune(key, slot);
    return waiter;
  }

  private takeQueued(peer: number, tag: MessageTag): Uint8Array | undefined {
    const key = slotKey(peer, tag);
    const slot = this.slots.get(key);
    const queued = slot?.messages.shift();
    if (slot) this.prune(key, slot);
    return queued;
  }

  private enqueue(peer: number, tag: MessageTag, payload: Uint8Array): void {
    const key = slotKey(peer, tag);
    const slot = this.slots.get(key);
    if (slot) slot.messages.push(payload);
    else this.slots.set(key, { messages: [payload], waiters: [] });
  }

  private prune(key: string, slot: Slot): void {
    if (slot.messages.length === 0 && slot.waiters.length === 0) this.slots.delete(key);
  }
}
