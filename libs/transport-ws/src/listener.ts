// The data-plane listener: each peer that wants to receive this rank's data connects here (a pull
// link), and this rank sends on the accepted WebSocket with ws's Sender - server frames are unmasked,
// header and payload go out as two fragments without being copied, and the write callback is the
// backpressure signal. Refusals happen at the HTTP upgrade, before any WebSocket state exists, with a
// status, an error-code header and a plain-text reason the peer prints.

import type { IncomingMessage, Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { AuthError, ErrorCodes, ProtocolError, TransportError, type ErrorContext, type RingtrainError } from '@ringtrain/common';
import { peerProcess, setSendBuffer } from '@ringtrain/native-socket';
import { decodeSlotMessage, type SlotMessage } from '@ringtrain/protocol';
import { LOCAL_SOCKETS_SUPPORTED, localSocketName } from './local-socket.js';
import { LOCAL_SEND_BUFFER_BYTES, sendBufferShortfall } from './send-buffer.js';
import { upgradeServer } from './server-sockets.js';
import { HEADER_ERROR_CODE, HEADER_GENERATION, HEADER_NONCE, HEADER_PROOF, HEADER_RANK, HEADER_TOKEN, proofFor, tokenMatches } from './auth.js';

export interface ListenerOptions {
  token: string | undefined;
  host: string;
  port: number;
  /** Serve TLS with this certificate and key (PEM). Undefined: plain TCP. */
  tls?: { cert: string | Buffer; key: string | Buffer } | undefined;
  /**
   * Also listen on the abstract Unix socket of localSocketHost:port under the token (Linux; see local-socket.ts):
   * the host peers are told. Undefined (or no token): TCP only.
   */
  localSocketHost?: string | undefined;
  /** Told once when Unix socket links cannot get LOCAL_SEND_BUFFER_BYTES of send buffer (and why). */
  onNotice: (message: string) => void;
}

/** Who this process is in the ring it currently serves, and where that ring's link events go. */
export interface ListenerMembership {
  rank: number;
  worldSize: number;
  generation: number;
  events: ListenerEvents;
}

export interface ListenerEvents {
  /** A peer opened its link to receive from this rank. */
  onLink(peer: number, ws: WebSocket): void;
  /** That link closed. */
  onLinkClosed(peer: number, ws: WebSocket, reason: string): void;
  /**
   * The peer offered shared slots on its link, or handed one back (shared-slots.ts). `localPeer`: for a link that came
   * in over the local (Unix) socket, the pid of the process at its other end as the kernel reports it, or why that is
   * unknown; undefined for a link over TCP. May throw ProtocolError, which ends the link.
   */
  onSlotMessage(peer: number, ws: WebSocket, message: SlotMessage, localPeer: number | string | undefined): void;
  /** Something was refused or malformed. The listener keeps serving. */
  onError(err: RingtrainError): void;
}

/** Pull links carry data one way; a receiver sends only control frames and slot messages (one short frame each). */
const MAX_INBOUND_PAYLOAD = 125;

function refuse(socket: Duplex, status: number, statusText: string, code: string, reason: string): void {
  const body = `${code}: ${reason}\n`;
  socket.on('error', () => undefined);
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `${HEADER_ERROR_CODE}: ${code}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), 1000).unref();
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * One listening port for the life of a process; the ring it serves changes with every generation (join).
 * A link for a generation this process has not joined yet is refused with 503, which the peer retries: ranks
 * learn of a new generation at slightly different times. A link for an older generation is refused for good.
 */
export class DataPlaneListener {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly links = new Map<number, WebSocket>();
  private membership: ListenerMembership | undefined;
  private readonly shutDown: () => Promise<void>;
  /** The abstract Unix socket listener, when there is one: its connections go to the same HTTP(S) server. */
  private local: NetServer | undefined;
  /** Connections that came in over the local socket: the peer's pid as the kernel reports it, or why it is unknown. */
  private readonly localPeers = new WeakMap<object, number | string>();
  /** Whether onNotice has been told that a link's send buffer fell short: once is enough. */
  private sendBufferNoticed = false;

  private constructor(
    private readonly opts: ListenerOptions,
    /** Errors seen while no ring is joined (refused early links). */
    private readonly onIdleError: (err: RingtrainError) => void,
  ) {
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_INBOUND_PAYLOAD, clientTracking: false });
    // The proof that this listener holds the token, answered to the client's nonce (see auth.ts).
    this.wss.on('headers', (headers: string[], req: IncomingMessage) => {
      const nonce = header(req, HEADER_NONCE);
      if (opts.token !== undefined && nonce !== undefined) headers.push(`${HEADER_PROOF}: ${proofFor(opts.token, nonce)}`);
    });
    ({ server: this.http, shutDown: this.shutDown } = upgradeServer('data plane', opts.tls));
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  static async start(opts: ListenerOptions, onIdleError: (err: RingtrainError) => void): Promise<DataPlaneListener> {
    const l = new DataPlaneListener(opts, onIdleError);
    await new Promise<void>((resolve, reject) => {
      l.http.once('error', reject);
      l.http.listen(opts.port, opts.host, () => resolve());
    });
    if (opts.localSocketHost !== undefined && opts.token !== undefined && LOCAL_SOCKETS_SUPPORTED) {
      l.local = await l.listenLocally(opts.token, opts.localSocketHost);
    }
    return l;
  }

  /**
   * Listens on the abstract socket of the advertised address; connections are handed to the HTTP(S) server as if
   * they had come in over TCP (its 'connection' event is documented for this), so they get the same upgrade,
   * token check and TLS. A name already taken (only by a process holding the token) is reported, and this listener
   * serves over TCP only.
   */
  private listenLocally(token: string, host: string): Promise<NetServer | undefined> {
    const server = createNetServer((socket) => {
      this.raiseSendBuffer(socket);
      this.localPeers.set(socket, peerProcess(socket));
      this.http.emit('connection', socket);
    });
    const where = `local socket of ${host}:${this.address.port}`;
    const report = (err: Error): void => this.onIdleError(new TransportError(ErrorCodes.CONNECT, `data plane ${where}: ${err.message}`, {}, { cause: err }));
    return new Promise((resolve) => {
      server.once('error', (err) => {
        report(err);
        resolve(undefined);
      });
      server.listen(localSocketName(token, host, this.address.port), () => {
        server.removeAllListeners('error');
        server.on('error', report);
        resolve(server);
      });
    });
  }

  /**
   * Raises a Unix socket link's send buffer to LOCAL_SEND_BUFFER_BYTES (see send-buffer.ts; over TCP the kernel's
   * autotuning stays in charge), or says once why it stays smaller (rare: chooseLocalSockets, which ringtrain's
   * commands ask before they turn Unix sockets on, probes that it can be raised).
   */
  private raiseSendBuffer(socket: Socket): void {
    const shortfall = sendBufferShortfall(setSendBuffer(socket, LOCAL_SEND_BUFFER_BYTES), LOCAL_SEND_BUFFER_BYTES);
    if (shortfall === undefined || this.sendBufferNoticed) return;
    this.sendBufferNoticed = true;
    this.opts.onNotice(`a Unix socket link keeps a smaller send buffer: ${shortfall}`);
  }

  get address(): { host: string; port: number } {
    const a = this.http.address();
    if (a === null || typeof a === 'string') throw new Error('listener is not bound to a TCP port');
    return { host: this.opts.host, port: a.port };
  }

  /** Serves `membership`'s ring from now on. The previous ring's links must have been closed (leave). */
  join(membership: ListenerMembership): void {
    const current = this.membership;
    if (current !== undefined && membership.generation <= current.generation) {
      throw new ProtocolError(ErrorCodes.PROTOCOL, `cannot join generation ${membership.generation} after generation ${current.generation}`, { rank: membership.rank });
    }
    this.membership = membership;
  }

  /** Closes the current ring's links after their queued data has been sent; the port stays open. */
  async leave(): Promise<void> {
    await Promise.all(
      [...this.links.values()].map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.once('close', () => resolve());
            ws.close(1000, 'transport closed');
            setTimeout(() => ws.terminate(), 1000).unref();
          }),
      ),
    );
    this.links.clear();
  }

  /** Drops the current ring's links at once, as a crashed process would; the port stays open. */
  dropLinks(): void {
    for (const ws of this.links.values()) ws.terminate();
    this.links.clear();
  }

  /** Closes the links gracefully and stops listening. */
  async close(): Promise<void> {
    await this.leave();
    await this.stop();
  }

  /** Drops every link and stops listening at once. */
  async abort(): Promise<void> {
    this.dropLinks();
    await this.stop();
  }

  private async stop(): Promise<void> {
    const local = this.local;
    await Promise.all([this.shutDown(), local && new Promise((resolve) => local.close(resolve))]);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const token = this.opts.token;
    const membership = this.membership;
    const remote = req.socket.remoteAddress === undefined ? 'a local socket' : `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const claimed = header(req, HEADER_RANK);
    const peer = claimed !== undefined && /^\d{1,9}$/.test(claimed) ? Number(claimed) : NaN;
    const ctx: ErrorContext = { ...(membership ? { rank: membership.rank, generation: membership.generation } : {}), ...(Number.isNaN(peer) ? {} : { peer }) };
    const deny = (status: number, text: string, err: RingtrainError): void => {
      refuse(socket, status, text, err.code, err.detail);
      (membership?.events.onError ?? this.onIdleError)(err);
    };
    if (!tokenMatches(token, header(req, HEADER_TOKEN))) {
      const what = header(req, HEADER_TOKEN) === undefined ? 'no token' : 'a wrong token';
      return deny(401, 'Unauthorized', new AuthError(ErrorCodes.AUTH, `link from ${remote} presented ${what}`, ctx));
    }
    const generationText = header(req, HEADER_GENERATION);
    const theirGeneration = generationText !== undefined && /^\d{1,10}$/.test(generationText) ? Number(generationText) : NaN;
    if (Number.isNaN(theirGeneration)) {
      return deny(400, 'Bad Request', new ProtocolError(ErrorCodes.PROTOCOL, `link from ${remote} names no valid generation (${JSON.stringify(generationText)})`, ctx));
    }
    if (membership === undefined || theirGeneration > membership.generation) {
      // Not an error: this process has not heard of that generation yet. The peer retries.
      refuse(socket, 503, 'Service Unavailable', ErrorCodes.CONNECT, `not yet in generation ${theirGeneration}${membership ? ` (still in ${membership.generation})` : ''}`);
      return;
    }
    const { rank, worldSize, generation } = membership;
    if (theirGeneration < generation) {
      return deny(409, 'Conflict', new ProtocolError(ErrorCodes.PROTOCOL, `link from rank ${peer} at ${remote} is for generation ${theirGeneration}, this ring is generation ${generation}`, ctx));
    }
    if (Number.isNaN(peer) || peer >= worldSize || peer === rank) {
      return deny(400, 'Bad Request', new ProtocolError(ErrorCodes.PROTOCOL, `link from ${remote} claims invalid rank ${JSON.stringify(claimed)} (world size ${worldSize})`, ctx));
    }
    if (this.links.has(peer)) {
      return deny(409, 'Conflict', new ProtocolError(ErrorCodes.PROTOCOL, `link from ${remote} claims rank ${peer}, which is already connected`, ctx));
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.membership !== membership) return void ws.terminate(); // the ring changed during the upgrade
      this.accept(peer, ws, ctx, membership.events, this.localPeers.get(req.socket));
    });
  }

  private accept(peer: number, ws: WebSocket, ctx: ErrorContext, events: ListenerEvents, localPeer: number | string | undefined): void {
    this.links.set(peer, ws);
    let why = '';
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      try {
        if (!isBinary) throw new ProtocolError(ErrorCodes.PROTOCOL, `rank ${peer} sent text on a receive-only link`, ctx);
        events.onSlotMessage(peer, ws, decodeSlotMessage(data, ctx), localPeer);
      } catch (error) {
        // Not the peer's fault, but this link cannot go on either; the cause keeps the stack.
        const err = error instanceof ProtocolError ? error : new ProtocolError(ErrorCodes.PROTOCOL, `failed on a slot message from rank ${peer}: ${String(error)}`, ctx, { cause: error });
        why = err.message;
        events.onError(err);
        ws.close(1002, err.code);
      }
    });
    ws.on('error', (err: Error & { code?: string }) => {
      const code = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? ErrorCodes.OVERSIZE : ErrorCodes.PROTOCOL;
      const e = new ProtocolError(code, `bad WebSocket traffic from rank ${peer}: ${err.message}`, ctx, { cause: err });
      why = e.message;
      events.onError(e);
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (this.links.get(peer) === ws) this.links.delete(peer);
      events.onLinkClosed(peer, ws, why || `link closed (code ${code}${reason.length ? `, ${reason.toString('utf8')}` : ''})`);
    });
    events.onLink(peer, ws);
  }
}
