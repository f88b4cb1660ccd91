// N transports in one process that deliver to each other through mailboxes: the reference
// implementation of the Transport contract, used by collective tests and single-process simulation.
// send() copies the payload, so the caller may reuse its buffer as soon as the promise resolves.

import { ErrorCodes, InvalidArgumentError, TransportError, waitFor, type WaitOptions } from '@ringtrain/common';
import { Mailbox } from './mailbox.js';
import type { MessageTag, PayloadSink, Transport } from './transport.js';
import { checkPeer } from './validate.js';

export class MemoryTransport implements Transport {
  readonly mailbox: Mailbox;
  private closed = false;

  private constructor(
    readonly rank: number,
    readonly worldSize: number,
    private readonly peers: MemoryTransport[],
  ) {
    this.mailbox = new Mailbox(rank);
  }

  /** Creates `worldSize` connected transports; element i has rank i. */
  static createGroup(worldSize: number): MemoryTransport[] {
    if (!Number.isInteger(worldSize) || worldSize < 1) {
      throw new InvalidArgumentError(`world size must be a positive integer, got ${worldSize}`, { subject: 'worldSize' });
    }
    const group: MemoryTransport[] = [];
    for (let r = 0; r < worldSize; r++) group.push(new MemoryTransport(r, worldSize, group));
    return group;
  }

  send(peer: number, tag: MessageTag, payload: Uint8Array, opts: WaitOptions = {}): Promise<void> {
    checkPeer(this, peer);
    if (opts.signal?.aborted) return waitFor(Promise.resolve(), `send to peer ${peer}`, opts, { rank: this.rank, peer });
    if (this.closed) return Promise.reject(new TransportError(ErrorCodes.CLOSED, 'transport closed', { rank: this.rank, peer }));
    const target = this.peers[peer]!;
    if (target.closed) {
      return Promise.reject(new TransportError(ErrorCodes.PEER_CLOSED, `peer ${peer} is closed`, { rank: this.rank, peer }));
    }
    target.mailbox.deliver(this.rank, tag, new Uint8Array(payload)); // a copy (Buffer#slice would not be one)
    return Promise.resolve();
  }

  recv(peer: number, tag: MessageTag, opts: WaitOptions = {}): Promise<Uint8Array> {
    checkPeer(this, peer);
    return this.mailbox.recv(peer, tag, opts);
  }

  recvInto(peer: number, tag: MessageTag, sink: PayloadSink, opts: WaitOptions = {}): Promise<void> {
    checkPeer(this, peer);
    return this.mailbox.recvInto(peer, tag, sink, opts);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.mailbox.close();
    for (const other of this.peers) if (other !== this) other.mailbox.peerClosed(this.rank, 'peer closed its transport');
  }
}
