// The IDX format MNIST and Fashion-MNIST are published in (http://yann.lecun.com/exdb/mnist/): a 4-byte magic
// [0, 0, type, dimension count], then one big-endian uint32 per dimension, then the values, big-endian,
// row-major, and nothing else. The parser is strict so a truncated download or a wrong file fails at load
// time with the file's name rather than as garbage pixels or an out-of-bounds read later.

import { InvalidArgumentError } from '@ringtrain/common';

export type IdxDataType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The IDX value types by their type byte (the magic's third byte), with their width in bytes. */
const IDX_TYPES = new Map<number, { dtype: IdxDataType; bytes: number }>([
  [0x08, { dtype: 'uint8', bytes: 1 }],
  [0x09, { dtype: 'int8', bytes: 1 }],
  [0x0b, { dtype: 'int16', bytes: 2 }],
  [0x0c, { dtype: 'int32', bytes: 4 }],
  [0x0d, { dtype: 'float32', bytes: 4 }],
  [0x0e, { dtype: 'float64', bytes: 8 }],
]);

export interface IdxArray {
  readonly dtype: IdxDataType;
  /** The dimensions from the header, outermost first (images: [count, rows, columns]). */
  readonly dims: readonly number[];
  /** The values in row-major order, converted to host byte order. uint8 data is a view of the input bytes. */
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** What the caller needs the file to be; a file that is valid IDX but something else is rejected too. */
export interface IdxExpectation {
  dtype: IdxDataType;
  /** Number of dimensions (3 for an image file, 1 for a label file). */
  rank: number;
}

function idxError(file: string, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`${file}: ${problem}`, { subject: file });
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

function decode(bytes: Uint8Array, start: number, count: number, dtype: IdxDataType): IdxArray['data'] {
  if (dtype === 'uint8') return bytes.subarray(start, start + count);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start);
  // Multi-byte values are big-endian in the file; DataView reads them as such whatever the host order.
  switch (dtype) {
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset + start, count);
    case 'int16':
      return Int16Array.from({ length: count }, (_, i) => view.getInt16(2 * i));
    case 'int32':
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i));
    case 'float32':
      return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i));
    case 'float64':
      return Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i));
  }
}

/**
 * Parses one (already decompressed) IDX file. `file` names it in errors. Throws InvalidArgumentError (subject:
 * the file) when the magic does not start with two zero bytes, the type byte is unknown, the header is
 * truncated, the byte length is not exactly header + product(dims) * value width, or the content does not
 * match `expect`.
 */
export function parseIdx(bytes: Uint8Array, file: string, expect?: IdxExpectation): IdxArray {
  if (bytes.length < 4) throw idxError(file, `${bytes.length} bytes is too short for an IDX magic number (4 bytes)`);
  const [zero0, zero1, typeByte, rank] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
  if (zero0 !== 0 || zero1 !== 0) throw idxError(file, `bad IDX magic: starts with ${hex(zero0)} ${hex(zero1)} instead of 0x00 0x00`);
  const type = IDX_TYPES.get(typeByte);
  if (type === undefined) throw idxError(file, `unknown IDX type byte ${hex(typeByte)} (known: 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e)`);
  const { dtype, bytes: width } = type;
  if (rank === 0) throw idxError(file, 'the IDX header declares 0 dimensions');
  if (expect !== undefined && (dtype !== expect.dtype || rank !== expect.rank)) {
    throw idxError(file, `expected ${expect.dtype} data with ${expect.rank} dimension(s), the header declares ${dtype} with ${rank}`);
  }
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) throw idxError(file, `${bytes.length} bytes is too short for an IDX header of ${rank} dimensions (${headerLength} bytes)`);
  const header = new DataView(bytes.buffer, bytes.byteOffset, headerLength);
  const dims = Array.from({ length: rank }, (_, d) => header.getUint32(4 + 4 * d));
  const count = dims.reduce((product, dim) => product * dim, 1);
  const expectedLength = headerLength + count * width;
  if (bytes.length !== expectedLength) {
    throw idxError(file, `${bytes.length} bytes, but its header (${dtype} [${dims.join(', ')}]) requires exactly ${expectedLength}`);
  }
  return { dtype, dims, data: decode(bytes, headerLength, count, dtype) };
}
