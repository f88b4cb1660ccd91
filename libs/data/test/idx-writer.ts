// Writes IDX files for tests: the format of src/idx.ts, built independently with DataView.

/** An IDX file of type byte `typeByte` (0x08 uint8 ... 0x0e float64) with the given dims and raw payload. */
export function idxBytes(typeByte: number, dims: number[], payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, typeByte, dims.length]);
  dims.forEach((dim, d) => view.setUint32(4 + 4 * d, dim));
  out.set(payload, 4 + 4 * dims.length);
  return out;
}

/** A uint8 IDX file (the only type MNIST-style datasets use). */
export function uint8Idx(dims: number[], values: number[]): Uint8Array {
  return idxBytes(0x08, dims, Uint8Array.from(values));
}
