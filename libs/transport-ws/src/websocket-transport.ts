// Transport over WebSockets. Each rank runs a listener; a rank that wants to receive from a peer
// connects to that peer's listener (a pull link) and the peer sends on the accepted socket. So the
// sender uses ws's server-side Sender (unmasked frames, zero-copy, backpressure via the write
// callback) and the receiver reads into one reusable buffer and streams payloads straight into the
// receive that waits for them (see pull-link.ts and frame-parser.ts).

import type WebSocket from 'ws';
import { ErrorCodes, InvalidArgumentError, ProtocolError, TransportError, waitFor, type RingtrainError, type WaitOptions } from '@ringtrain/common';
import { encodeFrameHeader, type FrameHeader } from '@ringtrain/protocol';
import { checkPeer, Mailbox, type MessageTag, type PayloadSink, type Transport, type Waiter } from '@ringtrain/transport';
import type { MessageSink } from './frame-parser.js';
import { DataPlaneListener } from './listener.js';
import { PullLink, type PeerAddress } from './pull-link.js';

export type { PeerAddress } from './pull-link.js';

export interface WebSocketTransportOptions {
  rank: number;
  worldSize: number;
  /** Ring generation; links and frames of another generation are refused. Default 0. */
  generation?: number;
  /** Shared secret both ends of every link must hold (`--token` / RINGTRAIN_TOKEN). Undefined: no authentication. */
  token?: string | undefined;
  /** Address to listen on. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** Largest payload of one message, in bytes; a larger one ends the link with E_OVERSIZE. Default 1 GiB. */
  maxPayloadBytes?: number;
  /** How long to keep retrying a refused connection, and to wait for a peer's link before sending. Default 10 s. */
  connectTimeoutMs?: number;
  /** Reusable read buffer per pull link, in bytes: the most one read returns. Default 256 KiB. */
  readBufferBytes?: number;
  /** Called for every refused link and malformed frame seen by this rank; the transport keeps running. */
  onError?: (err: RingtrainError) => void;
}

const DEFAULT_MAX_PAYLOAD = 1 << 30;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_READ_BUFFER = 256 << 10;

/** Gathers a message nobody is streaming into a buffer of its own. */
class BufferSink implements MessageSink {
  readonly bytes: Uint8Array;
  private filled = 0;
  constructor(length: number) {
    this.bytes = new Uint8Array(length);
  }
  write(piece: Uint8Array): void {
    this.bytes.set(piece, this.filled);
    this.filled += piece.length;
  }
}

const discard: MessageSink = { write: () => undefined };

export class WebSocketTransport implements Transport {
  readonly rank: number;
  readonly worldSize: number;
  readonly generation: number;
  private readonly mailbox: Mailbox;
  /** Links peers opened to receive from us, keyed by peer rank. */
  private readonly sendLinks = new Map<number, WebSocket>();
  private readonly sendLinkWaiters = new Map<number, Array<(ws: WebSocket) => void>>();
  /** Links we opened to receive from peers. */
  private readonly pullLinks = new Map<number, Promise<PullLink>>();
  private peers = new Map<number, PeerAddress>();
  private listener!: DataPlaneListener;
  private closed = false;

  private constructor(private readonly opts: WebSocketTransportOptions) {
    this.rank = opts.rank;
    this.worldSize = opts.worldSize;
    this.generation = opts.generation ?? 0;
    this.mailbox = new Mailbox(opts.rank);
  }

  /** Starts listening; call setPeers() with everyone's address before receiving. */
  static async listen(opts: WebSocketTransportOptions): Promise<WebSocketTransport> {
    const { rank, worldSize } = opts;
    if (!Number.isInteger(worldSize) || worldSize < 1) throw new InvalidArgumentError(`world size must be a positive integer, got ${worldSize}`, { subject: 'worldSize' });
    if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new InvalidArgumentError(`rank must be in [0, ${worldSize}), got ${rank}`, { subject: 'rank' });
    const t = new WebSocketTransport(opts);
    const host = opts.host ?? '127.0.0.1';
    try {
      t.listener = await DataPlaneListener.start(
        { rank, worldSize, generation: t.generation, token: opts.token, host, port: opts.port ?? 0 },
        {
          onLink: (peer, ws) => t.addSendLink(peer, ws),
          onLinkClosed: (peer, ws) => {
            if (t.sendLinks.get(peer) === ws) t.sendLinks.delete(peer);
          },
          onError: opts.onError ?? (() => undefined),
        },
      );
    } catch (err) {
      throw new TransportError(ErrorCodes.CONNECT, `cannot listen on ${host}:${opts.port ?? 0}: ${(err as Error).message}`, { rank }, { cause: err });
    }
    return t;
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
    const header = encodeFrameHeader({ generation: this.generation, ...tag, payloadBytes: payload.byteLength });
    const body = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    const sent = this.sendLink(peer).then(
      (ws) =>
        new Promise<void>((resolve, reject) => {
          if (ws.readyState !== ws.OPEN) return reject(new TransportError(ErrorCodes.PEER_CLOSED, `link to peer ${peer} is closed`, ctx));
          ws.send(header, { binary: true, fin: false });
          ws.send(body, { binary: true, fin: true }, (err) =>
            err ? reject(new TransportError(ErrorCodes.PEER_CLOSED, `send to peer ${peer} failed: ${err.message}`, ctx, { cause: err })) : resolve(),
          );
        }),
    );
    return waitFor(sent, `send to peer ${peer}`, opts, ctx);
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

  /** Closes every link after the data already sent has left. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.mailbox.close();
    for (const link of this.pullLinks.values()) link.then((l) => l.close(), () => undefined);
    await this.listener.close();
  }

  /** Drops every link at once without flushing, as a crashed process would (fault injection, fast teardown). */
  async abort(): Promise<void> {
    this.closed = true;
    this.mailbox.close();
    for (const link of this.pullLinks.values()) link.then((l) => l.abort(), () => undefined);
    await this.listener.abort();
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
    const timeoutMs = this.opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
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
        connectTimeoutMs: this.opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        maxPayloadBytes: this.opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD,
        readBufferBytes: this.opts.readBufferBytes ?? DEFAULT_READ_BUFFER,
      },
      this.receiveEvents(peer),
    );
    link.then(
      () => this.mailbox.peerOpened(peer),
      (err: RingtrainError) => {
        this.opts.onError?.(err);
        this.mailbox.peerClosed(peer, err.detail, err);
      },
    );
    this.pullLinks.set(peer, link);
    return link;
  }

  /** What happens to each message arriving from `peer`: stream it into a waiting receive, or buffer it. */
  private receiveEvents(peer: number) {
    let waiter: Waiter | undefined;
    let buffer: BufferSink | undefined;
    return {
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
        buffer = new BufferSink(header.payloadBytes);
        return buffer;
      },
      onMessageEnd: (header: FrameHeader): void => {
        if (waiter) this.mailbox.finishClaim(peer, waiter, buffer?.bytes);
        else if (buffer) this.mailbox.deliver(peer, header, buffer.bytes);
        waiter = undefined;
        buffer = undefined;
      },
      onClosed: (reason: string, cause?: RingtrainError): void => {
        if (cause && cause.code !== ErrorCodes.PEER_CLOSED) this.opts.onError?.(cause);
        this.mailbox.peerClosed(peer, reason, cause);
      },
    };
  }
}
