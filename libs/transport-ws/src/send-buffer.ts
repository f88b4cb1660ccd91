// A Unix socket link's send buffer, which Node sizes only for UDP (dgram's setSendBufferSize). Over a Unix domain
// stream socket the sender's buffer is all the data in flight: once net.core.wmem_default (208 KiB on most Linux
// systems) is queued for the reader, the sender waits until the reader has read some. In a ring all-reduce the
// rank that finishes its backward pass first could otherwise hand a whole segment to the kernel and go on, as
// TCP's autotuned buffers (megabytes) let it; the README's "Training step benchmark" measures the difference.
// setsockopt comes from the optional `sockopt` package (N-API, prebuilt for Linux x64 and arm64).

import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

/** The part of `sockopt` used here (it has no types of its own). */
interface Sockopt {
  setsockopt(socket: Socket, level: number, option: number, value: number): void;
  getsockopt(socket: Socket, level: number, option: number): number;
}

// Linux's values on every architecture Node runs on (x64, arm64, ppc64, s390x); abstract Unix sockets, the only
// sockets this is used on, exist on Linux alone.
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;

/** `bytes`: the send buffer the kernel granted, as getsockopt reports it (Linux: twice the capped request). */
export type SendBufferResult = { ok: true; bytes: number } | { ok: false; reason: string };

let loaded: Sockopt | string | undefined;

/** `sockopt`, or why it cannot be used; loaded once per thread. */
function sockopt(): Sockopt | string {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('sockopt') as Sockopt;
    } catch (error) {
      const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
      loaded = `the optional package sockopt is not installed or has no build for ${process.platform}-${process.arch} (${why})`;
    }
  }
  return loaded;
}

/**
 * Asks for a send buffer of `bytes` on a connected Unix socket and says what the kernel granted; never throws.
 * Linux caps the request at net.core.wmem_max (root can raise that: `sysctl -w net.core.wmem_max=BYTES`).
 */
export function setSendBuffer(socket: Socket, bytes: number): SendBufferResult {
  if (!Number.isInteger(bytes) || bytes <= 0 || bytes > 0x3fffffff) return { ok: false, reason: `send buffer size must be an integer in [1, 2^30), got ${bytes}` };
  if (process.platform !== 'linux') return { ok: false, reason: `socket option numbers are known for Linux only, not ${process.platform}` };
  const native = sockopt();
  if (typeof native === 'string') return { ok: false, reason: native };
  try {
    native.setsockopt(socket, SOL_SOCKET, SO_SNDBUF, bytes);
    return { ok: true, bytes: native.getsockopt(socket, SOL_SOCKET, SO_SNDBUF) };
  } catch (error) {
    // A socket without a descriptor (not connected, or closed) or a refused option.
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Why a Unix socket link's send buffer is smaller than `wanted`, or undefined when it is not. */
export function sendBufferShortfall(result: SendBufferResult, wanted: number): string | undefined {
  if (!result.ok) return `Unix socket links keep the kernel's default send buffer: ${result.reason}`;
  // Linux reports twice what it grants (the other half is its bookkeeping), after capping the request at wmem_max.
  if (result.bytes >= 2 * wanted) return undefined;
  const kib = (bytes: number): string => `${Math.round(bytes / 1024)} KiB`;
  return (
    `Unix socket links get a ${kib(result.bytes / 2)} send buffer, not ${kib(wanted)}: net.core.wmem_max caps it ` +
    `(as root, \`sysctl -w net.core.wmem_max=${wanted}\` lifts the cap and speeds up same-machine links)`
  );
}
