// Transport over WebSockets. Each rank runs a listener; a rank that wants to receive from a peer
// connects to that peer's listener (a pull link) and the peer sends on the accepted socket. So the
// sender uses ws's server-side Sender (unmasked frames, zero-copy, backpressure via the write
// callback) and the receiver reads into one reusable buffer and streams payloads straight into the
// receive that waits for them (see pull-link.ts and frame-parser.ts). Between two processes of one machine
// (a Unix socket link) the payloads themselves go through shared slots, and the socket carries only their
// announcements (shared-slots.ts).

import type WebSocket from 'ws';
import { ErrorCodes, ProtocolError, TransportError, waitFor, type RingtrainError, type WaitOptions } from '@ringtrain/common';
import { encodeFrameHeader, encodeSlotFrame, type FrameHeader, type SlotMessage } from '@ringtrain/protocol';
import { checkPeer, Mailbox, type MessageTag, type PayloadSink, type Transport, type Waiter } from '@ringtrain/transport';
import type { MessageSink } from './frame-parser.js';
import { DataPlane, type DataPlaneOptions, type ResolvedPlaneOptions, type RingMembership } from './data-plane.js';
import type { DataPlaneListener } from './listener.js';
import { PayloadPool } from './payload-pool.js';
import { PullLink, type LinkRoute, type PeerAddress } from './pull-link.js';
import { InboundSlots, OutboundSlots, SLOT_BYTES, SLOT_COUNT } from './shared-slots.js';

export type { LinkRoute, PeerAddress } from './pull-link.js';

export interface WebSocketTransportOptions extends DataPlaneOptions, RingMembership {}

/** Gathers a message nobody is streaming into a buffer of its own (the socket may read straight into it). */
class BufferSink implements MessageSink {
  private filled = 0;
  constructor(readonly bytes: Uint8Array) {}
  write(piece: Uint8Array): void {
    this.bytes.set(piece, this.filled);
    this.filled += piece.length;
  }
  reserve(max: number): Uint8Array {
    return this.bytes.subarray(this.filled, this.filled + max);
  }
  commit(n: number): void {
    this.filled += n;
  }
}

const discard: MessageSink = { write: () => undefined };

export class WebSocketTransport implements Transport {
  readonly rank: number;
  readonly worldSize: number;
  readonly generation: number;
  private readonly mailbox: Mailbox;
  private readonly earlyMessages = new PayloadPool();
  /** Links peers opened to receive from us, keyed by peer rank. */
  private readonly sendLinks = new Map<number, WebSocket>();
  private readonly sendLinkWaiters = new Map<number, Array<(ws: WebSocket) => void>>();
  /** Links we opened to receive from peers. */
  private readonly pullLinks = new Map<number, Promise<PullLink>>();
  /** Those of them that are open, by peer. */
  private readonly openPullLinks = new Map<number, PullLink>();
  private peers = new Map<number, PeerAddress>();
  /** Peers' shared slots, per send link that offered them. */
  private readonly outbound = new Map<WebSocket, OutboundSlots>();
  /** Send links whose offer this rank declined (a second offer is a protocol error all the same). */
  private readonly declined = new WeakSet<WebSocket>();
  /** Whether onNotice has heard why a link could not get shared slots: once is enough. */
  private slotsNoticed = false;
  private closed = false;
  private closing: Promise<void> | undefined;

  /** Use DataPlane.join, or WebSocketTransport.listen for a transport with a port of its own. */
  constructor(
    private readonly listener: DataPlaneListener,
    private readonly opts: ResolvedPlaneOptions,
    membership: RingMembership,
    /** Whether closing this transport also stops the listener (listen()), or leaves the port open for the next generation. */
    private readonly ownsListener: boolean,
  ) {
    this.rank = membership.rank;
    this.worldSize = membership.worldSize;
    this.generation = membership.generation ?? 0;
    this.mailbox = new Mailbox(membership.rank, (payload) => this.earlyMessages.give(payload));
    listener.join({
      rank: this.rank,
      worldSize: this.worldSize,
      generation: this.generation,
      events: {
        onLink: (peer, ws) => this.addSendLink(peer, ws),
        onLinkClosed: (peer, ws, reason) => {
          if (this.sendLinks.get(peer) === ws) this.sendLinks.delete(peer);
          this.outbound.get(ws)?.close(reason, this.closed ? ErrorCodes.CLOSED : ErrorCodes.PEER_CLOSED);
          this.outbound.delete(ws);
        },
        onSlotMessage: (peer, ws, message, localPeer) => this.onSlotMessage(peer, ws, message, localPeer),
        onError: opts.onError,
      },
    });
  }

  /** Starts a listener of its own and joins `opts`' ring on it; call setPeers() with everyone's address before receiving. */
  static async listen(opts: WebSocketTransportOptions): Promise<WebSocketTransport> {
    return (await DataPlane.listen(opts)).join(opts, { ownsPlane: true });
  }

  /** Where this rank listens, to publish to the peers. */
  get address(): PeerAddress {
    return { rank: this.rank, ...this.listener.address };
  }

  /**
   * Tells the transport where every peer listens (entries for this rank are ignored) and starts opening
   * a receive link from each of them, as gloo connects its full mesh of pairs, so that a peer's first
   * send does not wait for this rank's first receive. Failures surface on receives from that peer.
   */
  setPeers(peers: readonly PeerAddress[]): void {
    this.peers = new Map(peers.filter((p) => p.rank !== this.rank).map((p) => [p.rank, p]));
    for (const rank of this.peers.keys()) this.pullLink(rank).catch(() => undefined);
  }

  /** Opens the links to receive from `ranks` now rather than on the first receive. */
  async connect(ranks: readonly number[], opts: WaitOptions = {}): Promise<void> {
    await Promise.all(ranks.map((r) => waitFor(this.pullLink(r), `connect to peer ${r}`, opts, { rank: this.rank, peer: r })));
  }

  send(peer: number, tag: MessageTag, payload: Uint8Array, opts: WaitOptions = {}): Promise<void> {
    checkPeer(this, peer);
    const ctx = { rank: this.rank, peer, generation: this.generation };
    if (this.closed) return Promise.reject(new TransportError(ErrorCodes.CLOSED, 'transport closed', ctx));
    if (opts.signal?.aborted) return waitFor(Promise.resolve(), `send to peer ${peer}`, opts, ctx);
    const header = { generation: this.generation, ...tag, payloadBytes: payload.byteLength };
    // A message in one or two fragments: header and payload, or a slot frame's header and slot index.
    const writeFrame = (ws: WebSocket, slot: number | undefined) =>
      new Promise<void>((resolve, reject) => {
        if (ws.readyState !== ws.OPEN) return reject(new TransportError(ErrorCodes.PEER_CLOSED, `link to peer ${peer} is closed`, ctx));
        const done = (err?: Error) =>
          err ? reject(new TransportError(ErrorCodes.PEER_CLOSED, `send to peer ${peer} failed: ${err.message}`, ctx, { cause: err })) : resolve();
        if (slot !== undefined) return ws.send(encodeSlotFrame(header, slot), { binary: true, fin: true }, done);
        ws.send(encodeFrameHeader(header), { binary: true, fin: false });
        ws.send(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), { binary: true, fin: true }, done);
      });
    let cancel = (): void => undefined;
    let cancelled = false;
    const write = (ws: WebSocket): Promise<void> => {
      // The caller gave up while the link was still opening: the payload may be reused by now, so it is not sent.
      if (cancelled) return Promise.reject(new TransportError(ErrorCodes.ABORTED, `send to peer ${peer} was given up before its link opened`, ctx));
      const slots = this.outbound.get(ws);
      if (!slots) return writeFrame(ws, undefined);
      const queued = slots.send(payload, (slot) => writeFrame(ws, slot));
      cancel = queued.cancel;
      return queued.done;
    };
    // With the link open the bytes go to the socket now, synchronously, not a microtask later: a send started
    // from inside a long synchronous computation (a gradient hook during the backward pass) reaches the kernel
    // (or its slot) while that computation goes on.
    const open = this.sendLinks.get(peer);
    const sent = open ? write(open) : this.sendLink(peer).then(write);
    // A send that times out or is aborted while it waits for a slot leaves the line: its payload is not copied later.
    return waitFor(sent, `send to peer ${peer}`, opts, ctx, () => {
      cancelled = true;
      cancel();
    });
  }

  /** What carries the link this rank receives from `peer` on, once it is open (opening it if need be). */
  async linkRoute(peer: number, opts: WaitOptions = {}): Promise<LinkRoute> {
    checkPeer(this, peer);
    return (await waitFor(this.pullLink(peer), `connect to peer ${peer}`, opts, { rank: this.rank, peer })).route;
  }

  /**
   * Settles when the first payload from `peer` arrives through shared memory (shared-slots.ts): the peer is on this
   * machine and took this rank's offer of slots. Never settles on a link without them; rejects if the link fails to open.
   */
  async sharedMemoryFrom(peer: number): Promise<void> {
    checkPeer(this, peer);
    return (await this.pullLink(peer)).firstSlotPayload;
  }

  /** How many payloads from `peer` have arrived through shared slots so far (0 before its link is open). */
  slotPayloadsFrom(peer: number): number {
    checkPeer(this, peer);
    return this.openPullLinks.get(peer)?.slotPayloads ?? 0;
  }

  recv(peer: number, tag: MessageTag, opts: WaitOptions = {}): Promise<Uint8Array> {
    checkPeer(this, peer);
    this.pullLink(peer).catch(() => undefined); // a failed link closes the peer in the mailbox
    return this.mailbox.recv(peer, tag, opts);
  }

  recvInto(peer: number, tag: MessageTag, sink: PayloadSink, opts: WaitOptions = {}): Promise<void> {
    checkPeer(this, peer);
    this.pullLink(peer).catch(() => undefined);
    return this.mailbox.recvInto(peer, tag, sink, opts);
  }

  /**
   * Closes every link after the data already sent has left; sends still waiting for a shared slot fail with E_CLOSED.
   * The links' shared slots are unmapped before it resolves. A second call waits for the first.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    if (this.closed) return Promise.resolve(); // aborted already
    this.closed = true;
    this.mailbox.close();
    this.closeOutbound('transport closed');
    // Each link stops reading and releases its slots a microtask from now, before the listener below is done; one
    // still connecting does so as soon as it opens, offering nothing.
    for (const link of this.pullLinks.values()) link.then((l) => l.close(), () => undefined);
    this.closing = this.ownsListener ? this.listener.close() : this.listener.leave();
    return this.closing;
  }

  /** Drops every link at once without flushing, as a crashed process would (fault injection, fast teardown). */
  async abort(): Promise<void> {
    this.closed = true;
    this.mailbox.close();
    this.closeOutbound('transport aborted');
    for (const link of this.pullLinks.values()) link.then((l) => l.abort(), () => undefined);
    if (this.ownsListener) await this.listener.abort();
    else this.listener.dropLinks();
  }

  private closeOutbound(reason: string): void {
    for (const slots of this.outbound.values()) slots.close(reason, ErrorCodes.CLOSED);
    this.outbound.clear();
  }

  /**
   * A receiver offers its shared slots, or hands one back. An offer is taken only on a link that came in over this
   * listener's Unix socket, from the very process the kernel says is at its other end, never with TLS (whose bytes
   * the slots would bypass), and only for slots of the size this transport makes.
   */
  private onSlotMessage(peer: number, ws: WebSocket, message: SlotMessage, localPeer: number | string | undefined): void {
    if (this.closed || ws.readyState !== ws.OPEN) return; // a link on its way out: nothing to send any more
    const ctx = { rank: this.rank, peer, generation: this.generation };
    if (message.kind === 'free') {
      const slots = this.outbound.get(ws);
      if (!slots) throw new ProtocolError(ErrorCodes.PROTOCOL, `rank ${peer} handed back slot ${message.slot} on a link without shared slots`, ctx);
      return slots.release(message.slot);
    }
    if (this.outbound.has(ws) || this.declined.has(ws)) throw new ProtocolError(ErrorCodes.PROTOCOL, `rank ${peer} offered shared slots twice`, ctx);
    if (message.slots > SLOT_COUNT || message.slotBytes !== SLOT_BYTES) {
      throw new ProtocolError(ErrorCodes.PROTOCOL, `rank ${peer} offered ${message.slots} slots of ${message.slotBytes} bytes; slots are ${SLOT_BYTES} bytes, at most ${SLOT_COUNT}`, ctx);
    }
    const why = this.declineReason(peer, message.pid, localPeer);
    const slots = why ?? OutboundSlots.accept({ ...message, pid: localPeer as number }, ctx); // declineReason checked it
    if (typeof slots === 'string') {
      this.declined.add(ws);
      return this.noticeNoSlots(`sending to rank ${peer}: ${slots}`);
    }
    this.outbound.set(ws, slots);
  }

  /**
   * Why this rank does not take an offer of slots from `peer` (who says it is process `claimedPid`), or undefined when
   * it takes it. Throws ProtocolError for an offer no receiver may make: on a link that is not a Unix socket.
   */
  private declineReason(peer: number, claimedPid: number, localPeer: number | string | undefined): string | undefined {
    if (!this.opts.sharedMemory) return 'shared memory is off for this data plane';
    if (this.opts.tls) return 'links with TLS keep their payloads on the socket';
    if (localPeer === undefined) {
      throw new ProtocolError(ErrorCodes.PROTOCOL, `rank ${peer} offered shared slots on a link that is not a Unix socket`, { rank: this.rank, peer, generation: this.generation });
    }
    if (typeof localPeer === 'string') return `the process at the other end is unknown: ${localPeer}`;
    if (localPeer !== claimedPid) return `it says it is process ${claimedPid}, the kernel says ${localPeer} (another PID namespace?)`;
    return undefined;
  }

  /** Says once why a link carries its payloads over the socket although it could have shared slots. */
  private noticeNoSlots(why: string): void {
    if (this.slotsNoticed) return;
    this.slotsNoticed = true;
    this.opts.onNotice(`a link on this machine carries payloads over its socket, not through shared memory (${why})`);
  }

  private addSendLink(peer: number, ws: WebSocket): void {
    this.sendLinks.set(peer, ws);
    for (const wake of this.sendLinkWaiters.get(peer)?.splice(0) ?? []) wake(ws);
  }

  /** The link `peer` opened to receive from us; waits for the peer to open it. */
  private sendLink(peer: number): Promise<WebSocket> {
    const ws = this.sendLinks.get(peer);
    if (ws) return Promise.resolve(ws);
    let wake!: (ws: WebSocket) => void;
    const opened = new Promise<WebSocket>((resolve) => (wake = resolve));
    let list = this.sendLinkWaiters.get(peer);
    if (!list) this.sendLinkWaiters.set(peer, (list = []));
    list.push(wake);
    const timeoutMs = this.opts.connectTimeoutMs;
    return waitFor(opened, `waiting for peer ${peer} to connect`, { timeoutMs }, { rank: this.rank, peer }, () => {
      const i = list.indexOf(wake);
      if (i >= 0) list.splice(i, 1);
    });
  }

  /** The link to receive from `peer`, opened on first use. */
  private pullLink(peer: number): Promise<PullLink> {
    let link = this.pullLinks.get(peer);
    if (link) return link;
    const address = this.peers.get(peer);
    if (!address) {
      const err = new TransportError(ErrorCodes.CONNECT, `no address known for peer ${peer}: call setPeers() first`, { rank: this.rank, peer });
      this.mailbox.peerClosed(peer, err.detail, err);
      return Promise.reject(err);
    }
    link = PullLink.open(
      address,
      {
        rank: this.rank,
        generation: this.generation,
        token: this.opts.token,
        connectTimeoutMs: this.opts.connectTimeoutMs,
        maxPayloadBytes: this.opts.maxPayloadBytes,
        readBufferBytes: this.opts.readBufferBytes,
        tls: this.opts.tls ? { ca: this.opts.tls.ca } : undefined,
        localSocket: this.opts.localSockets,
      },
      this.receiveEvents(peer),
    );
    link.then(
      (l) => {
        this.openPullLinks.set(peer, l);
        this.offerSlots(peer, l);
        this.mailbox.peerOpened(peer);
      },
      (err: RingtrainError) => {
        this.opts.onError(err);
        this.mailbox.peerClosed(peer, err.detail, err);
      },
    );
    this.pullLinks.set(peer, link);
    return link;
  }

  /** Offers the peer shared slots on a link over a Unix socket (not with TLS, whose bytes they would bypass). */
  private offerSlots(peer: number, link: PullLink): void {
    if (this.closed || link.route !== 'unix socket' || !this.opts.sharedMemory || this.opts.tls) return;
    const slots = InboundSlots.create();
    if (typeof slots === 'string') return this.noticeNoSlots(`receiving from rank ${peer}: ${slots}`);
    link.offerSlots(slots);
  }

  /** What happens to each message arriving from `peer`: stream it into a waiting receive, or buffer it. */
  private receiveEvents(peer: number) {
    let waiter: Waiter | undefined;
    let buffer: BufferSink | undefined;
    const events = {
      onHeader: (header: FrameHeader): MessageSink => {
        if (header.generation !== this.generation) {
          throw new ProtocolError(ErrorCodes.PROTOCOL, `frame of generation ${header.generation} on a generation-${this.generation} link`, { rank: this.rank, peer });
        }
        waiter = this.mailbox.claim(peer, header);
        buffer = undefined;
        if (waiter?.kind === 'sink') {
          if (waiter.sink.byteLength === header.payloadBytes) return waiter.sink;
          this.mailbox.failClaim(peer, waiter, this.mailbox.sizeMismatch(peer, header, header.payloadBytes, waiter.sink.byteLength));
          waiter = undefined;
          return discard;
        }
        buffer = new BufferSink(this.earlyMessages.take(header.payloadBytes));
        return buffer;
      },
      onMessageEnd: (header: FrameHeader): void => {
        if (waiter) this.mailbox.finishClaim(peer, waiter, buffer?.bytes);
        else if (buffer) this.mailbox.deliver(peer, header, buffer.bytes);
        waiter = undefined;
        buffer = undefined;
      },
      /** A payload in a shared slot: the same path, with the whole payload as one piece, read where it lies. */
      onSlotPayload: (header: FrameHeader, payload: Uint8Array): void => {
        events.onHeader(header).write(payload);
        events.onMessageEnd(header);
      },
      onClosed: (reason: string, cause?: RingtrainError): void => {
        if (cause && cause.code !== ErrorCodes.PEER_CLOSED) this.opts.onError(cause);
        this.mailbox.peerClosed(peer, reason, cause);
      },
    };
    return events;
  }
}
