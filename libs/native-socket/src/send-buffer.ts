// A stream socket's send buffer, which Node sizes for UDP only (dgram's setSendBufferSize). Over a Unix domain
// stream socket the sender's buffer is all the data in flight: once net.core.wmem_default (208 KiB on most Linux
// systems) is queued for the reader, the sender waits until the reader has read some.

import type { Socket } from 'node:net';
import { addon, descriptor, type Addon } from './addon.js';

/** `bytes`: the send buffer the kernel granted, as getsockopt reports it (Linux: twice the capped request). */
export type SendBufferResult = { ok: true; bytes: number } | { ok: false; reason: string };

/** Runs `call` with the addon for a valid `bytes`, turning every failure into a reason. */
function withAddon(bytes: number, call: (native: Addon) => number | string): SendBufferResult {
  if (!Number.isInteger(bytes) || bytes <= 0 || bytes > 0x3fffffff) return { ok: false, reason: `send buffer size must be an integer in [1, 2^30), got ${bytes}` };
  const native = addon();
  if (typeof native === 'string') return { ok: false, reason: native };
  try {
    const granted = call(native);
    return typeof granted === 'number' ? { ok: true, bytes: granted } : { ok: false, reason: granted };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Asks the kernel for a send buffer of `bytes` on a connected stream socket and says what it granted; never throws.
 * Linux caps the request at net.core.wmem_max (root can raise that: `sysctl -w net.core.wmem_max=BYTES`).
 */
export function setSendBuffer(socket: Socket, bytes: number): SendBufferResult {
  return withAddon(bytes, (native) => {
    const fd = descriptor(socket);
    return fd === undefined ? 'the socket has no file descriptor (not connected, closed, or not on a Unix-like system)' : native.setSendBuffer(fd, bytes);
  });
}

/**
 * What setSendBuffer(socket, bytes) would grant a Unix stream socket of this process, found on a socket pair made
 * and closed for the purpose; never throws.
 */
export function probeUnixSendBuffer(bytes: number): SendBufferResult {
  return withAddon(bytes, (native) => native.probeUnixSendBuffer(bytes));
}
