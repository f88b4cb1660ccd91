// The consistency check of data parallelism: every replica must hold bit-identical parameters after every step.
// A SHA-256 over the raw bytes (not the values: -0 and 0, or two NaN payloads, would compare equal as numbers
// but mean that the replicas took different paths) is cheap next to a step and names a divergence exactly.

import { createHash } from 'node:crypto';

/** SHA-256, lower-case hex, of the bytes of every array in order. */
export function hashFloat32(...arrays: readonly Float32Array[]): string {
  const hash = createHash('sha256');
  for (const a of arrays) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return hash.digest('hex');
}
