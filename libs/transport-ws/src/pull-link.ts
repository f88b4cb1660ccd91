// A pull link: this rank connects to a peer's listener to *receive* that peer's data. The socket reads
// with net's `onread`, choosing before every read where it lands: inside a payload whose receive offers
// a region (PayloadSink.reserve), straight into it - the kernel's copy is then the only one; otherwise
// into one reusable buffer, from which DataFrameParser hands the bytes to the receive. Between messages
// only a header's worth is read into that buffer, so the next payload is not pulled in with it. (ws's
// client reads 64 KiB per syscall into fresh buffers and copies each message once more into a new
// buffer; on loopback this path is measured in the README.) The handshake is RFC 6455's, done here because the
// socket's bytes never reach an HTTP parser. Over a Unix socket the link may also offer the peer shared slots
// (shared-slots.ts): payloads announced by slot frames are then read where they lie, and each slot is handed back.

import { connect, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { AuthError, ErrorCodes, ProtocolError, TransportError, type ErrorContext, type RingtrainError } from '@ringtrain/common';
import { encodeSlotMessage, type FrameHeader } from '@ringtrain/protocol';
import { HEADER_ERROR_CODE, HEADER_GENERATION, HEADER_NONCE, HEADER_PROOF, HEADER_RANK, HEADER_TOKEN, newNonce, proofMatches } from './auth.js';
import { DataFrameParser, type FrameParserEvents } from './frame-parser.js';
import { expectedAccept, MAX_RESPONSE_HEAD_BYTES, newWebSocketKey, parseResponseHead, upgradeRequest } from './handshake.js';
import { LOCAL_SOCKETS_SUPPORTED, localSocketName, noLocalListener } from './local-socket.js';
import type { InboundSlots } from './shared-slots.js';

export interface PeerAddress {
  rank: number;
  host: string;
  port: number;
}

export interface PullLinkOptions {
  rank: number;
  generation: number;
  token: string | undefined;
  /** Give up connecting after this long (the peer may still be starting, so refusals are retried). */
  connectTimeoutMs: number;
  maxPayloadBytes: number;
  /** Size of the reusable read buffer (the most one read syscall returns). */
  readBufferBytes: number;
  /** Connect with TLS, trusting `ca` (PEM; the system's CAs when undefined). Undefined: plain TCP. */
  tls?: { ca?: string | Buffer | undefined } | undefined;
  /** Try the peer's abstract Unix socket before TCP (Linux, and only with a token; see local-socket.ts). */
  localSocket: boolean;
}

/**
 * How an attempt reaches the peer: its local socket name, or TCP. The local route keeps the peer's host, which is
 * not used to connect but is what TLS verifies the peer's certificate against (else Node would check 'localhost').
 */
type Route = { path: string; host: string } | { host: string; port: number };

/** What carries a link's bytes. */
export type LinkRoute = 'unix socket' | 'tcp';

export interface PullLinkEvents extends Omit<FrameParserEvents, 'onClose' | 'onSlotMessage'> {
  /** A payload arrived in a shared slot: `payload` is valid only during the call (the slot is handed back after it). */
  onSlotPayload(header: FrameHeader, payload: Uint8Array): void;
  /** The link is gone; `cause` is set when it failed rather than closed. */
  onClosed(reason: string, cause?: RingtrainError): void;
}

/** Bytes read into the reusable buffer between payloads: the headers of a message and some of a small one. */
const HEAD_READ_BYTES = 4096;
const RETRY_START_MS = 20;
const RETRY_MAX_MS = 500;
/** A client close frame with status 1000 and an all-zero masking key. */
const CLOSE_FRAME = Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]);

/** A client's binary frame of at most 125 bytes, masked with an all-zero key (RFC 6455 requires the mask bit). */
function clientFrame(payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0x82, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

type Attempt = { ok: true; link: PullLink } | { ok: false; retry: boolean; error: RingtrainError; noLocalListener?: boolean };

export class PullLink {
  private readonly parser: DataFrameParser;
  private closeFrame: string | undefined;
  private closedReported = false;
  /** Whether the last read target was a sink's region (then the read is accounted with pushDirect). */
  private readingDirect = false;
  /** The slots offered to the peer, once offerSlots() has; released when the link stops reading (see stopReading). */
  private slots: InboundSlots | undefined;
  private slotUsed!: () => void;
  /** Set once nothing is read from the socket any more: close(), abort() or the link's end. */
  private stopped = false;
  /** Payloads that arrived through shared slots so far. */
  slotPayloads = 0;
  /** Settles when the first payload arrives in a shared slot (the peer took the offer); never, if none does. */
  readonly firstSlotPayload = new Promise<void>((resolve) => (this.slotUsed = resolve));

  private constructor(
    /** What carries this link's bytes. */
    readonly route: LinkRoute,
    private readonly socket: Socket,
    private readonly events: PullLinkEvents,
    maxPayloadBytes: number,
    ctx: ErrorContext,
    private readonly readBuffer: Buffer,
  ) {
    this.parser = new DataFrameParser(
      {
        onHeader: (h) => events.onHeader(h),
        onMessageEnd: (h) => events.onMessageEnd(h),
        onSlotMessage: (h, slot) => {
          if (!this.slots) throw new ProtocolError(ErrorCodes.PROTOCOL, 'slot frame on a link that offered no shared slots', ctx);
          events.onSlotPayload(h, this.slots.payload(slot, h.payloadBytes, ctx));
          this.slotPayloads++;
          this.slotUsed();
          if (!socket.destroyed && !socket.writableEnded) socket.write(clientFrame(encodeSlotMessage({ kind: 'free', slot })));
        },
        onClose: (code, reason) => {
          this.closeFrame = `peer closed the link (code ${code}${reason ? `, ${reason}` : ''})`;
          socket.end();
        },
      },
      maxPayloadBytes,
      ctx,
    );
    socket.on('close', () => this.report(this.closeFrame ?? 'connection closed'));
    socket.on('error', (err) => this.report(`connection failed: ${err.message}`, new TransportError(ErrorCodes.PEER_CLOSED, err.message, ctx, { cause: err })));
  }

  /** Opens the link, retrying refused connections with backoff until the deadline. */
  static async open(peer: PeerAddress, opts: PullLinkOptions, events: PullLinkEvents): Promise<PullLink> {
    const ctx: ErrorContext = { rank: opts.rank, peer: peer.rank, generation: opts.generation };
    const tcp: Route = { host: peer.host, port: peer.port };
    // The listener registered its local name before its address was published, so a name that does not answer
    // now never will: one refused local connect settles the route for the life of the link.
    let route: Route =
      opts.localSocket && opts.token !== undefined && LOCAL_SOCKETS_SUPPORTED ? { path: localSocketName(opts.token, peer.host, peer.port), host: peer.host } : tcp;
    const deadline = Date.now() + opts.connectTimeoutMs;
    let delay = RETRY_START_MS;
    for (;;) {
      const where = `peer ${peer.rank} at ${peer.host}:${peer.port}${'path' in route ? ' (Unix socket)' : ''}`;
      const via: LinkRoute = 'path' in route ? 'unix socket' : 'tcp';
      const makeLink = (socket: Socket, readBuffer: Buffer): PullLink => new PullLink(via, socket, events, opts.maxPayloadBytes, ctx, readBuffer);
      const result = await attempt(peer, route, opts, ctx, where, deadline - Date.now(), makeLink);
      if (result.ok) return result.link;
      if (result.noLocalListener && 'path' in route && Date.now() < deadline) {
        route = tcp;
        continue;
      }
      if (!result.retry) throw result.error;
      if (Date.now() + delay >= deadline) {
        throw new TransportError(ErrorCodes.CONNECT, `${result.error.detail} (gave up after ${opts.connectTimeoutMs} ms)`, ctx, { cause: result.error });
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  /**
   * Offers the peer `slots` (made for this link, which then owns them): from now on it may place payloads there.
   * Only over a Unix socket, which proves the peer shares this machine.
   */
  offerSlots(slots: InboundSlots): void {
    if (this.route !== 'unix socket' || this.slots || this.stopped) return slots.release();
    this.slots = slots;
    this.socket.write(clientFrame(slots.offer()));
  }

  /** Where the next read of a plain TCP socket goes (see the top of this file). */
  readTarget(): Uint8Array {
    // Node calls this outside any handler of ours: a failing sink must end the link, not the process.
    let region: Uint8Array | undefined;
    this.parse(() => (region = this.parser.directTarget()));
    this.readingDirect = region !== undefined;
    return region ?? (this.parser.inPayload ? this.readBuffer : this.readBuffer.subarray(0, HEAD_READ_BYTES));
  }

  /** A read of `n` bytes into the last readTarget() completed. */
  onRead(n: number, target: Uint8Array): void {
    if (this.readingDirect) this.parse(() => this.parser.pushDirect(n));
    else this.feed(target.subarray(0, n));
  }

  /** Bytes read after the handshake. A protocol violation ends the link. */
  feed(bytes: Uint8Array): void {
    this.parse(() => this.parser.push(bytes));
  }

  /**
   * Closes after telling the listener (status 1000). Nothing is read any more: no region a receive reserved is written
   * after this, and the link's shared slots are released before it returns. Idempotent.
   */
  close(): void {
    if (this.stopped) return;
    this.socket.pause();
    this.stopReading();
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.end(CLOSE_FRAME);
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** Drops the connection at once, as a crashed process would; the shared slots are released before it returns. */
  abort(): void {
    this.socket.destroy();
    this.stopReading();
  }

  /**
   * Nothing is read from the socket any more, so nothing reads from the shared slots either (a slot's payload is
   * consumed within the read that announced it): they go back.
   */
  private stopReading(): void {
    this.stopped = true;
    this.slots?.release();
  }

  private parse(step: () => void): void {
    try {
      step();
    } catch (err) {
      const e = err as ProtocolError;
      this.report(e.message, e);
      this.socket.destroy();
    }
  }

  private report(reason: string, cause?: RingtrainError): void {
    if (this.closedReported) return;
    this.closedReported = true;
    this.stopReading();
    this.events.onClosed(reason, cause);
  }
}

function attempt(
  peer: PeerAddress,
  route: Route,
  opts: PullLinkOptions,
  ctx: ErrorContext,
  where: string,
  timeLeftMs: number,
  makeLink: (socket: Socket, readBuffer: Buffer) => PullLink,
): Promise<Attempt> {
  return new Promise((resolve) => {
    const key = newWebSocketKey();
    const nonce = newNonce();
    let headBytes: Buffer[] = [];
    let headLen = 0;
    let feed: ((bytes: Uint8Array) => void) | undefined;
    let link: PullLink | undefined;
    let settled = false;
    const readBuffer = Buffer.allocUnsafe(opts.readBufferBytes);
    const settle = (a: Attempt): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!a.ok) socket.destroy();
      resolve(a);
    };
    const onBytes = (bytes: Buffer): void => {
      if (feed) feed(bytes);
      else onHandshakeBytes(Buffer.from(bytes));
    };
    // Plain TCP chooses where every read lands (the link, once up, decides); TLS sockets cannot
    // (decryption hands out fresh chunks), so their bytes are fed like the handshake's.
    const socket: Socket = opts.tls
      ? connectTls({ ...route, ca: opts.tls.ca, servername: isIP(peer.host) ? undefined : peer.host }).on('data', onBytes)
      : connect({
          ...route,
          onread: {
            buffer: (): Uint8Array => link?.readTarget() ?? readBuffer,
            callback: (n: number, target: Uint8Array): boolean => {
              if (link) link.onRead(n, target);
              else onBytes(Buffer.from(target.buffer, target.byteOffset, n));
              return true;
            },
          },
        });
    if (!('path' in route)) socket.setNoDelay(true);
    const timer = setTimeout(
      () => settle({ ok: false, retry: false, error: new TransportError(ErrorCodes.CONNECT, `handshake with ${where} timed out`, ctx) }),
      Math.max(1, timeLeftMs),
    );
    let connected = false;
    socket.once('connect', () => (connected = true));
    socket.once(opts.tls ? 'secureConnect' : 'connect', () => {
      const headers: Record<string, string> = { [HEADER_RANK]: String(opts.rank), [HEADER_GENERATION]: String(opts.generation), [HEADER_NONCE]: nonce };
      if (opts.token !== undefined) headers[HEADER_TOKEN] = opts.token;
      socket.write(upgradeRequest(peer.host, peer.port, key, headers));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // EAGAIN: a Unix socket's accept queue is full for the moment.
      const retry = err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET' || err.code === 'EAGAIN';
      const error = new TransportError(ErrorCodes.CONNECT, `cannot connect to ${where}: ${err.message}`, ctx, { cause: err });
      settle({ ok: false, retry, error, noLocalListener: !connected && noLocalListener(err) });
    });
    socket.on('close', () => settle({ ok: false, retry: true, error: new TransportError(ErrorCodes.CONNECT, `${where} closed the connection during the handshake (still starting, or TLS on one side only?)`, ctx) }));

    function onHandshakeBytes(chunk: Buffer): void {
      headBytes.push(chunk);
      headLen += chunk.length;
      const all = Buffer.concat(headBytes, headLen);
      headBytes = [all];
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) {
        if (headLen > MAX_RESPONSE_HEAD_BYTES) settle({ ok: false, retry: false, error: new ProtocolError(ErrorCodes.PROTOCOL, `${where} sent an oversized handshake response`, ctx) });
        return;
      }
      const head = parseResponseHead(all.subarray(0, end).toString('latin1'));
      const rest = all.subarray(end + 4);
      if (!head) return settle({ ok: false, retry: false, error: new ProtocolError(ErrorCodes.PROTOCOL, `${where} sent a malformed handshake response`, ctx) });
      if (head.status !== 101) return void refusal(head.status, head.headers, rest);
      if (head.headers.get('sec-websocket-accept') !== expectedAccept(key)) {
        return settle({ ok: false, retry: false, error: new ProtocolError(ErrorCodes.PROTOCOL, `${where} answered with a wrong Sec-WebSocket-Accept`, ctx) });
      }
      if (!proofMatches(opts.token, nonce, head.headers.get(HEADER_PROOF))) {
        return settle({ ok: false, retry: false, error: new AuthError(ErrorCodes.AUTH, `${where} could not prove it holds the run's token`, ctx) });
      }
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      const made = makeLink(socket, readBuffer);
      feed = (bytes) => made.feed(bytes);
      settle({ ok: true, link: made });
      if (rest.length > 0) made.feed(rest);
      link = made; // from the next read on, the link chooses where reads land
    }

    /** A refused upgrade: read the plain-text reason (Content-Length bytes, or until close) into the error. */
    function refusal(status: number, headers: Map<string, string>, first: Buffer): void {
      const wanted = Math.min(Number(headers.get('content-length') ?? 500) || 0, 2000);
      let body = first;
      const finish = (): void => {
        const text = body.subarray(0, wanted).toString('utf8').trim();
        const detail = `${where} refused the link: HTTP ${status}${text ? `: ${text}` : ''}`;
        const auth = headers.get(HEADER_ERROR_CODE) === ErrorCodes.AUTH || status === 401;
        // 503: the peer has not joined this generation yet (see listener.ts); it will, so try again.
        const retry = status === 503;
        settle({ ok: false, retry, error: auth ? new AuthError(ErrorCodes.AUTH, detail, ctx) : new TransportError(ErrorCodes.CONNECT, detail, ctx) });
      };
      if (body.length >= wanted) return finish();
      feed = (bytes) => {
        body = Buffer.concat([body, bytes]);
        if (body.length >= wanted) finish();
      };
      socket.removeAllListeners('close');
      socket.on('close', finish);
    }
  });
}
