// The data-plane listener: accepts one authenticated link per peer rank and turns every message on
// it into a (peer, tag, payload) delivery. Refusals happen at the HTTP upgrade, before any WebSocket
// state exists, with a status, an error-code header and a plain-text reason the peer can print.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RingtrainError} from '@ringtrain/common';
import { AuthError, ErrorCodes, ProtocolError, TransportError, type ErrorContext } from '@ringtrain/common';
import { FRAME_HEADER_BYTES } from '@ringtrain/protocol';
import { HEADER_ERROR_CODE, HEADER_GENERATION, HEADER_RANK, HEADER_TOKEN, tokenMatches } from './auth.js';
import { readDataFrame, type DataFrame } from './frame-reader.js';

export interface ListenerOptions {
  rank: number;
  worldSize: number;
  generation: number;
  token: string | undefined;
  host: string;
  port: number;
  /** Largest payload one message may carry; larger messages close the link with E_OVERSIZE. */
  maxPayloadBytes: number;
}

export interface ListenerEvents {
  /** A well-formed frame arrived from an authenticated peer. */
  onFrame(peer: number, frame: DataFrame): void;
  /** A peer's link opened. */
  onOpen(peer: number): void;
  /** A peer's link closed; `reason` says why, `cause` carries the error if there was one. */
  onClose(peer: number, reason: string, cause?: RingtrainError): void;
  /** Something was refused or malformed. The listener keeps serving. */
  onError(err: RingtrainError): void;
}

const WS_CLOSE_PROTOCOL_ERROR = 1002;

function refuse(socket: Duplex, status: number, statusText: string, code: string, reason: string): void {
  const body = `${code}: ${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `${HEADER_ERROR_CODE}: ${code}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.on('error', () => undefined);
  setTimeout(() => socket.destroy(), 1000).unref();
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export class DataPlaneListener {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly links = new Map<number, WebSocket>();

  private constructor(
    private readonly opts: ListenerOptions,
    private readonly events: ListenerEvents,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: FRAME_HEADER_BYTES + opts.maxPayloadBytes,
      maxFragments: 8,
      clientTracking: false,
    });
    this.http = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('ringtrain data plane: WebSocket upgrade required\n');
    });
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.http.on('clientError', (_err, socket) => socket.destroy());
  }

  static async start(opts: ListenerOptions, events: ListenerEvents): Promise<DataPlaneListener> {
    const l = new DataPlaneListener(opts, events);
    await new Promise<void>((resolve, reject) => {
      l.http.once('error', (err) => reject(new TransportError(ErrorCodes.CONNECT, `cannot listen on ${opts.host}:${opts.port}: ${err.message}`, { rank: opts.rank }, { cause: err })));
      l.http.listen(opts.port, opts.host, () => resolve());
    });
    return l;
  }

  get address(): { host: string; port: number } {
    const a = this.http.address();
    if (a === null || typeof a === 'string') throw new Error('listener is not bound to a TCP port');
    return { host: this.opts.host, port: a.port };
  }

  async close(): Promise<void> {
    for (const ws of this.links.values()) ws.terminate();
    this.links.clear();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { rank, worldSize, generation, token } = this.opts;
    const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const claimed = header(req, HEADER_RANK);
    const peer = claimed !== undefined && /^\d{1,9}$/.test(claimed) ? Number(claimed) : NaN;
    const ctx: ErrorContext = { rank, generation, ...(Number.isNaN(peer) ? {} : { peer }) };
    const deny = (status: number, text: string, err: RingtrainError): void => {
      refuse(socket, status, text, err.code, err.detail);
      this.events.onError(err);
    };
    if (!tokenMatches(token, header(req, HEADER_TOKEN))) {
      const what = header(req, HEADER_TOKEN) === undefined ? 'no token' : 'a wrong token';
      return deny(401, 'Unauthorized', new AuthError(ErrorCodes.AUTH, `link from ${remote} presented ${what}`, ctx));
    }
    if (Number.isNaN(peer) || peer >= worldSize || peer === rank) {
      return deny(400, 'Bad Request', new ProtocolError(ErrorCodes.PROTOCOL, `link from ${remote} claims invalid rank ${JSON.stringify(claimed)} (world size ${worldSize})`, ctx));
    }
    const theirGeneration = header(req, HEADER_GENERATION);
    if (theirGeneration !== String(generation)) {
      return deny(409, 'Conflict', new ProtocolError(ErrorCodes.PROTOCOL, `link from rank ${peer} at ${remote} is for generation ${theirGeneration}, this ring is generation ${generation}`, ctx));
    }
    if (this.links.has(peer)) {
      return deny(409, 'Conflict', new ProtocolError(ErrorCodes.PROTOCOL, `link from ${remote} claims rank ${peer}, which is already connected`, ctx));
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(peer, ws, ctx));
  }

  private accept(peer: number, ws: WebSocket, ctx: ErrorContext): void {
    ws.binaryType = 'fragments';
    this.links.set(peer, ws);
    this.events.onOpen(peer);
    let failure: RingtrainError | undefined;
    const fail = (err: RingtrainError, closeCode: number): void => {
      failure ??= err;
      this.events.onError(err);
      ws.close(closeCode, err.code);
    };
    ws.on('message', (data: Buffer[], isBinary: boolean) => {
      if (failure) return;
      if (!isBinary) return fail(new ProtocolError(ErrorCodes.PROTOCOL, 'text message on the data plane', ctx), WS_CLOSE_PROTOCOL_ERROR);
      let frame: DataFrame;
      try {
        frame = readDataFrame(data, ctx);
      } catch (err) {
        return fail(err as RingtrainError, WS_CLOSE_PROTOCOL_ERROR);
      }
      if (frame.header.generation !== this.opts.generation) {
        const e = new ProtocolError(ErrorCodes.PROTOCOL, `frame of generation ${frame.header.generation} on a generation-${this.opts.generation} link`, ctx);
        return fail(e, WS_CLOSE_PROTOCOL_ERROR);
      }
      this.events.onFrame(peer, frame);
    });
    ws.on('error', (err: Error & { code?: string }) => {
      const oversize = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
      const code = oversize ? ErrorCodes.OVERSIZE : ErrorCodes.PROTOCOL;
      failure ??= new ProtocolError(code, `bad WebSocket traffic: ${err.message}`, ctx, { cause: err });
      this.events.onError(failure);
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (this.links.get(peer) === ws) this.links.delete(peer);
      const why = failure ? failure.message : `link closed (code ${code}${reason.length ? `, ${reason.toString('utf8')}` : ''})`;
      this.events.onClose(peer, why, failure);
    });
  }
}
