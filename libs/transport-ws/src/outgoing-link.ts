// One authenticated, send-only WebSocket link from this rank to a peer's data-plane listener.
// Payloads go out without copies: the frame header and the payload are two fragments of one message,
// and the client's masking key is all zeros so ws skips masking on both ends (RFC 6455 requires a key,
// not a random one; these links are authenticated peer-to-peer connections, not browser traffic, so
// masking - a defence against cache poisoning by scripts in browsers - buys nothing here).

import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { AuthError, ErrorCodes, TransportError, type ErrorContext } from '@ringtrain/common';
import { HEADER_ERROR_CODE, HEADER_GENERATION, HEADER_RANK, HEADER_TOKEN } from './auth.js';

export interface PeerAddress {
  rank: number;
  host: string;
  port: number;
}

export interface ConnectOptions {
  rank: number;
  generation: number;
  token: string | undefined;
  /** Give up connecting after this long (the peer may still be starting, so refusals are retried). */
  connectTimeoutMs: number;
}

const zeroMask = (mask: Buffer): void => void mask.fill(0);
const RETRY_START_MS = 20;
const RETRY_MAX_MS = 500;

/** Reads a refused handshake's status and body into an error. */
async function refusalError(res: IncomingMessage, ctx: ErrorContext, where: string): Promise<Error> {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.length < 16 && chunks.push(c));
  await once(res, 'end').catch(() => undefined);
  const body = Buffer.concat(chunks).toString('utf8').slice(0, 500).trim();
  const detail = `${where} refused the link: HTTP ${res.statusCode}${body ? `: ${body}` : ''}`;
  if (res.headers[HEADER_ERROR_CODE] === ErrorCodes.AUTH || res.statusCode === 401) return new AuthError(ErrorCodes.AUTH, detail, ctx);
  return new TransportError(ErrorCodes.CONNECT, detail, ctx);
}

type Attempt = { ok: true; ws: WebSocket } | { ok: false; retry: boolean; error: Error };

function attempt(url: string, opts: ConnectOptions, ctx: ErrorContext, where: string, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {
      [HEADER_RANK]: String(opts.rank),
      [HEADER_GENERATION]: String(opts.generation),
    };
    if (opts.token !== undefined) headers[HEADER_TOKEN] = opts.token;
    const ws = new WebSocket(url, {
      headers,
      perMessageDeflate: false,
      generateMask: zeroMask,
      handshakeTimeout: Math.max(1, timeoutMs),
      maxPayload: 1024, // the listener never sends data, only control frames
    });
    ws.once('open', () => {
      ws.removeAllListeners('error');
      resolve({ ok: true, ws });
    });
    ws.once('unexpected-response', (_req, res) => {
      void refusalError(res, ctx, where).then((error) => {
        ws.terminate();
        resolve({ ok: false, retry: false, error });
      });
    });
    ws.once('error', (err: NodeJS.ErrnoException) => {
      const retry = err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET';
      resolve({ ok: false, retry, error: new TransportError(ErrorCodes.CONNECT, `cannot connect to ${where}: ${err.message}`, ctx, { cause: err }) });
    });
  });
}

/** Opens the link, retrying refused connections with backoff until the deadline. */
export async function openLink(peer: PeerAddress, opts: ConnectOptions, signal?: AbortSignal): Promise<WebSocket> {
  const ctx: ErrorContext = { rank: opts.rank, peer: peer.rank, generation: opts.generation };
  const where = `peer ${peer.rank} at ${peer.host}:${peer.port}`;
  const url = `ws://${peer.host.includes(':') ? `[${peer.host}]` : peer.host}:${peer.port}/ringtrain/data`;
  const deadline = Date.now() + opts.connectTimeoutMs;
  let delay = RETRY_START_MS;
  for (;;) {
    const left = deadline - Date.now();
    const result = await attempt(url, opts, ctx, where, left);
    if (result.ok) return result.ws;
    if (!result.retry) throw result.error;
    if (signal?.aborted) throw new TransportError(ErrorCodes.CONNECT, `connecting to ${where} aborted`, ctx, { cause: signal.reason });
    if (Date.now() + delay >= deadline) {
      throw new TransportError(ErrorCodes.CONNECT, `${result.error.message} (gave up after ${opts.connectTimeoutMs} ms)`, ctx, { cause: result.error });
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, RETRY_MAX_MS);
  }
}
