/**
 * Whether two typed arrays hold the same values, compared as raw bytes. vitest's toEqual walks large typed
 * arrays element by element through its generic equality and takes seconds on a million floats.
 */
export function sameValues(a: Float32Array | Int32Array, b: Float32Array | Int32Array): boolean {
  return a.constructor === b.constructor && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
