// Why Unix socket links get a send buffer of their own, and go over TCP where they cannot. Over a Unix domain stream
// socket the sender's buffer is all the data in flight: once net.core.wmem_default (208 KiB on most Linux systems)
// is queued for the reader, the sender waits until the reader has read some. In a ring all-reduce the rank that
// finishes its backward pass first could otherwise hand a whole segment to the kernel and go on, as TCP's autotuned
// buffers (megabytes) let it. With 208 KiB, Unix socket links made training steps slower than TCP; with 4 MiB,
// faster (README, "Training step benchmark"). The listener sets it on every link (@ringtrain/native-socket).

import { probeUnixSendBuffer, type SendBufferResult } from '@ringtrain/native-socket';
import { LOCAL_SOCKETS_SUPPORTED } from './local-socket.js';

/** The send buffer every Unix socket link asks for: one segment of a collective (4 MiB by default). */
export const LOCAL_SEND_BUFFER_BYTES = 4 << 20;

const kib = (bytes: number): string => `${Math.round(bytes / 1024)} KiB`;

/** Why a send buffer the kernel granted (`result`) is short of `wanted`, or undefined when it is not. */
export function sendBufferShortfall(result: SendBufferResult, wanted: number): string | undefined {
  if (!result.ok) return result.reason;
  // Linux reports twice what it grants (the other half is its bookkeeping), after capping the request at wmem_max.
  if (result.bytes >= 2 * wanted) return undefined;
  return (
    `net.core.wmem_max caps a Unix socket's send buffer at ${kib(result.bytes / 2)}, below the ${kib(wanted)} a link ` +
    `needs (as root, \`sysctl -w net.core.wmem_max=${wanted}\` lifts the cap)`
  );
}

/** Whether links to peers on this machine go over Unix sockets, and what to tell the operator when they do not. */
export interface LocalSocketChoice {
  use: boolean;
  /** Set when Unix sockets were wanted but cannot get LOCAL_SEND_BUFFER_BYTES of send buffer here. */
  notice?: string;
}

/**
 * Unix sockets for links on this machine when they are `wanted`, the platform has abstract names (Linux), and a Unix
 * socket can get LOCAL_SEND_BUFFER_BYTES of send buffer (probed on a socket pair); TCP otherwise.
 */
export function chooseLocalSockets(wanted: boolean): LocalSocketChoice {
  if (!wanted || !LOCAL_SOCKETS_SUPPORTED) return { use: false };
  const why = sendBufferShortfall(probeUnixSendBuffer(LOCAL_SEND_BUFFER_BYTES), LOCAL_SEND_BUFFER_BYTES);
  if (why === undefined) return { use: true };
  return { use: false, notice: `links to peers on this machine go over TCP, not Unix sockets: ${why}` };
}
