// Transport over WebSockets (ws). Each rank listens for links from its peers and opens its own
// send-only link to each peer it sends to, so every TCP connection carries data one way and every
// sender is a zero-mask client (see outgoing-link.ts). Payloads are never copied on send: they are
// handed to the socket as they are, and send() resolves when the socket has taken them, which is
// also the backpressure signal.

import type WebSocket from 'ws';
import type { RingtrainError} from '@ringtrain/common';
import { ErrorCodes, InvalidArgumentError, TransportError, waitFor, type WaitOptions } from '@ringtrain/common';
import { encodeFrameHeader } from '@ringtrain/protocol';
import { checkPeer, Mailbox, type MessageTag, type Transport } from '@ringtrain/transport';
import { DataPlaneListener } from './listener.js';
import { openLink, type PeerAddress } from './outgoing-link.js';

export type { PeerAddress } from './outgoing-link.js';

export interface WebSocketTransportOptions {
  rank: number;
  worldSize: number;
  /** Ring generation; links and frames of another generation are refused. Default 0. */
  generation?: number;
  /** Shared secret every link must present (`--token` / RINGTRAIN_TOKEN). Undefined: no authentication. */
  token?: string | undefined;
  /** Address to listen on. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** Largest payload of one message, in bytes. Default 1 GiB. */
  maxPayloadBytes?: number;
  /** How long to keep retrying a refused connection to a peer. Default 10 s. */
  connectTimeoutMs?: number;
  /** Called for every refused link and malformed frame seen by this rank; the transport keeps running. */
  onError?: (err: RingtrainError) => void;
}

const DEFAULT_MAX_PAYLOAD = 1 << 30;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export class WebSocketTransport implements Transport {
  readonly rank: number;
  readonly worldSize: number;
  readonly generation: number;
  private readonly mailbox: Mailbox;
  private readonly links = new Map<number, Promise<WebSocket>>();
  private peers = new Map<number, PeerAddress>();
  private listener!: DataPlaneListener;
  private closed = false;

  private constructor(private readonly opts: WebSocketTransportOptions) {
    this.rank = opts.rank;
    this.worldSize = opts.worldSize;
    this.generation = opts.generation ?? 0;
    this.mailbox = new Mailbox(opts.rank);
  }

  /** Starts listening; call setPeers() with everyone's address before sending. */
  static async listen(opts: WebSocketTransportOptions): Promise<WebSocketTransport> {
    const { rank, worldSize } = opts;
    if (!Number.isInteger(worldSize) || worldSize < 1) throw new InvalidArgumentError(`world size must be a positive integer, got ${worldSize}`, { subject: 'worldSize' });
    if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new InvalidArgumentError(`rank must be in [0, ${worldSize}), got ${rank}`, { subject: 'rank' });
    const t = new WebSocketTransport(opts);
    const onError = opts.onError ?? (() => undefined);
    t.listener = await DataPlaneListener.start(
      {
        rank,
        worldSize,
        generation: t.generation,
        token: opts.token,
        host: opts.host ?? '127.0.0.1',
        port: opts.port ?? 0,
        maxPayloadBytes: opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD,
      },
      {
        onFrame: (peer, { header, payload }) => t.mailbox.deliver(peer, header, payload),
        onOpen: (peer) => t.mailbox.peerOpened(peer),
        onClose: (peer, reason, cause) => t.mailbox.peerClosed(peer, reason, cause),
        onError,
      },
    );
    return t;
  }

  /** Where this rank listens, to publish to the peers. */
  get address(): PeerAddress {
    return { rank: this.rank, ...this.listener.address };
  }

  /** Tells the transport where every peer listens (entries for this rank are ignored). */
  setPeers(peers: readonly PeerAddress[]): void {
    this.peers = new Map(peers.filter((p) => p.rank !== this.rank).map((p) => [p.rank, p]));
  }

  /** Opens the links to `ranks` now rather than on first send, so the first collective does not pay for it. */
  async connect(ranks: readonly number[], opts: WaitOptions = {}): Promise<void> {
    await Promise.all(ranks.map((r) => waitFor(this.link(r), `connect to peer ${r}`, opts, { rank: this.rank, peer: r })));
  }

  send(peer: number, tag: MessageTag, payload: Uint8Array, opts: WaitOptions = {}): Promise<void> {
    checkPeer(this, peer);
    const ctx = { rank: this.rank, peer, generation: this.generation };
    if (this.closed) return Promise.reject(new TransportError(ErrorCodes.CLOSED, 'transport closed', ctx));
    if (opts.signal?.aborted) return waitFor(Promise.resolve(), `send to peer ${peer}`, opts, ctx);
    const header = encodeFrameHeader({ generation: this.generation, ...tag, payloadBytes: payload.byteLength });
    const body = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    const sent = this.link(peer).then(
      (ws) =>
        new Promise<void>((resolve, reject) => {
          if (ws.readyState !== ws.OPEN) {
            reject(new TransportError(ErrorCodes.PEER_CLOSED, `link to peer ${peer} is closed`, ctx));
            return;
          }
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
    return this.mailbox.recv(peer, tag, opts);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.mailbox.close();
    const links = [...this.links.values()];
    this.links.clear();
    await Promise.all(
      links.map((p) =>
        p.then(
          (ws) => new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) return resolve();
            ws.once('close', () => resolve());
            ws.close(1000, 'transport closed');
            setTimeout(() => ws.terminate(), 1000).unref();
          }),
          () => undefined,
        ),
      ),
    );
    await this.listener.close();
  }

  private link(peer: number): Promise<WebSocket> {
    let link = this.links.get(peer);
    if (!link) {
      const address = this.peers.get(peer);
      if (!address) {
        return Promise.reject(new TransportError(ErrorCodes.CONNECT, `no address known for peer ${peer}: call setPeers() first`, { rank: this.rank, peer }));
      }
      link = openLink(address, {
        rank: this.rank,
        generation: this.generation,
        token: this.opts.token,
        connectTimeoutMs: this.opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      });
      link.catch(() => this.links.delete(peer));
      this.links.set(peer, link);
    }
    return link;
  }
}
