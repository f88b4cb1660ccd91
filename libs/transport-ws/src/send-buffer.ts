// Why Unix socket links get a send buffer of their own. Over a Unix domain stream socket the sender's buffer is all
// the data in flight: once net.core.wmem_default (208 KiB on most Linux systems) is queued for the reader, the
// sender waits until the reader has read some. In a ring all-reduce the rank that finishes its backward pass first
// could otherwise hand a whole segment to the kernel and go on, as TCP's autotuned buffers (megabytes) let it; the
// README's "Training step benchmark" measures the difference. The listener sets it (@ringtrain/native-socket);
// this says what an operator should know when it could not.

import type { SendBufferResult } from '@ringtrain/native-socket';

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
