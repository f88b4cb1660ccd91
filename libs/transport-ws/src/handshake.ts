// The client half of the WebSocket opening handshake (RFC 6455, section 4.1), for pull links whose
// socket reads into a caller-owned buffer (ws's client cannot). Pure functions over bytes and strings.

import { createHash, randomBytes } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** A response head larger than this is not a WebSocket listener's. */
export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

export function newWebSocketKey(): string {
  return randomBytes(16).toString('base64');
}

export function expectedAccept(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

export function upgradeRequest(host: string, port: number, key: string, headers: Record<string, string>): string {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return (
    `GET /ringtrain/data HTTP/1.1\r\nHost: ${host.includes(':') ? `[${host}]` : host}:${port}\r\n` +
    `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`
  );
}

export interface ResponseHead {
  status: number;
  headers: Map<string, string>;
}

/** Parses "HTTP/1.1 101 ...\r\nName: value\r\n..." (without the final blank line). Undefined if malformed. */
export function parseResponseHead(text: string): ResponseHead | undefined {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (!m) return undefined;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) return undefined;
    headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { status: Number(m[1]), headers };
}
