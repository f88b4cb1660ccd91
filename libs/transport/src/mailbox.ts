// Holds received messages until a matching recv() asks for them, and recv() calls until a matching
// message arrives. Shared by every Transport implementation so that matching, timeouts, aborts and
// peer-closed semantics are identical everywhere.

import { ErrorCodes, TransportError, waitFor, type WaitOptions } from '@ringtrain/common';
import { formatTag, type MessageTag } from './transport.js';

interface Waiter {
  resolve(payload: Uint8Array): void;
  reject(err: Error): void;
}

interface Slot {
  messages: Uint8Array[];
  waiters: Waiter[];
}

function slotKey(peer: number, tag: MessageTag): string {
  return `${peer}/${tag.step}/${tag.bucket}/${tag.phase}/${tag.chunk}`;
}

export class Mailbox {
  private readonly slots = new Map<string, Slot>();
  /** Why a peer can no longer deliver (closed, failed); undefined while it is up. */
  private readonly peerDown = new Map<number, Error>();
  private closedError: Error | undefined;

  constructor(private readonly rank: number) {}

  /** Delivers a message from `peer`: to the oldest waiting recv, else into the queue. */
  deliver(peer: number, tag: MessageTag, payload: Uint8Array): void {
    const key = slotKey(peer, tag);
    const slot = this.slots.get(key);
    const waiter = slot?.waiters.shift();
    if (waiter) {
      this.prune(key, slot!);
      waiter.resolve(payload);
      return;
    }
    if (slot) slot.messages.push(payload);
    else this.slots.set(key, { messages: [payload], waiters: [] });
  }

  recv(peer: number, tag: MessageTag, opts: WaitOptions = {}): Promise<Uint8Array> {
    const key = slotKey(peer, tag);
    let slot = this.slots.get(key);
    const queued = slot?.messages.shift();
    if (queued) {
      this.prune(key, slot!);
      return Promise.resolve(queued);
    }
    const down = this.closedError ?? this.peerDown.get(peer);
    if (down) return Promise.reject(down);
    if (!slot) {
      slot = { messages: [], waiters: [] };
      this.slots.set(key, slot);
    }
    const owner = slot;
    let waiter!: Waiter;
    const pending = new Promise<Uint8Array>((resolve, reject) => {
      waiter = { resolve, reject };
    });
    owner.waiters.push(waiter);
    const withdraw = (): void => {
      const i = owner.waiters.indexOf(waiter);
      if (i >= 0) owner.waiters.splice(i, 1);
      this.prune(key, owner);
    };
    return waitFor(pending, `receive ${formatTag(tag)} from peer ${peer}`, opts, { rank: this.rank, peer }, withdraw);
  }

  /** The peer can deliver nothing more: its pending receives (and later ones with nothing queued) fail. */
  peerClosed(peer: number, reason: string, cause?: unknown): void {
    if (this.peerDown.has(peer)) return;
    const err = new TransportError(ErrorCodes.PEER_CLOSED, `link from peer ${peer} closed: ${reason}`, { rank: this.rank, peer }, { cause });
    this.peerDown.set(peer, err);
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
    for (const slot of this.slots.values()) for (const w of slot.waiters.splice(0)) w.reject(this.closedError);
    this.slots.clear();
  }

  /** Number of queued, unclaimed messages (for leak checks in tests). */
  get queuedCount(): number {
    let n = 0;
    for (const slot of this.slots.values()) n += slot.messages.length;
    return n;
  }

  private prune(key: string, slot: Slot): void {
    if (slot.messages.length === 0 && slot.waiters.length === 0) this.slots.delete(key);
  }
}
