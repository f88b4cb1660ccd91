// The checkpoint file format, version 2 (version 1 counted samplerOffset per rank; readers refuse it). All integers and floats are little-endian.
//
//   offset        size   content
//   0             8      magic "RTCKPT02" (ASCII; the trailing "02" is the format version)
//   8             4      u32 H: byte length of the header
//   12            H      header: UTF-8 JSON object, see CheckpointHeader below
//   12 + H        0..3   zero padding, so the array section starts at a multiple of 4
//   S             D      array section: raw float32 arrays, S = 12 + H rounded up to a multiple of 4
//   S + D         32     SHA-256 of every byte before it (offsets 0 .. S + D - 1)
//
// The header carries every scalar field of a Checkpoint and the array table: for each array its name
// ("params", "modelState", "optimizer.slots.<slot name>"), its byteOffset from the start of the array section
// (a multiple of 4) and its length in float32 elements. Arrays never overlap and the last one ends exactly where
// the hash begins, so D is implied by the table; the writer puts them back to back in that order. Because S and
// every byteOffset are multiples of 4, a reader that holds the file in a 4-byte-aligned buffer gets every array
// as a Float32Array view without copying. Views use the host's byte order, so the format fixes little-endian,
// the order of every host ringtrain runs on; a big-endian host is refused rather than misread.
//
// The checksum covers the header too, so a file that passes it is exactly what a writer produced (or a
// deliberate forgery, which the strict header validation still keeps from reading out of bounds).

import { endianness } from 'node:os';
import { CheckpointError } from '@ringtrain/common';
import type { OptimizerName } from '@ringtrain/optim';
import type { Checkpoint } from './checkpoint.js';

export const MAGIC = new TextEncoder().encode('RTCKPT02');
/** Magic plus the u32 header length. */
export const PREAMBLE_BYTES = MAGIC.length + 4;
export const HASH_ALGORITHM = 'sha256';
export const HASH_BYTES = 32;
/** A file with an empty header and no arrays: anything shorter cannot be a checkpoint. */
export const MIN_FILE_BYTES = PREAMBLE_BYTES + HASH_BYTES;

export const PARAMS_ARRAY = 'params';
export const MODEL_STATE_ARRAY = 'modelState';
export const SLOT_ARRAY_PREFIX = 'optimizer.slots.';

export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['sgd', 'adamw'];

/** One row of the array table. */
export interface ArrayEntry {
  name: string;
  /** Offset in bytes from the start of the array section; a multiple of 4. */
  byteOffset: number;
  /** Number of float32 elements. */
  length: number;
}

/** The JSON header: a Checkpoint without its arrays, plus the table that locates them. */
export interface CheckpointHeader extends Omit<Checkpoint, 'params' | 'modelState' | 'optimizer'> {
  optimizer: Omit<Checkpoint['optimizer'], 'slots'>;
  arrays: ArrayEntry[];
}

/** A CheckpointError whose message starts with the file and whose context names it. */
export function checkpointError(file: string, problem: string, cause?: unknown): CheckpointError {
  return new CheckpointError(`${file}: ${problem}`, { subject: file }, cause === undefined ? undefined : { cause });
}

/** Arrays are stored and viewed in host byte order, which the format fixes as little-endian. */
export function requireLittleEndianHost(file: string): void {
  if (endianness() !== 'LE') throw checkpointError(file, 'checkpoint arrays are little-endian float32; this host is big-endian');
}

/** Where the array section starts when the header is `headerLength` bytes long. */
export function arraySectionStart(headerLength: number): number {
  return Math.ceil((PREAMBLE_BYTES + headerLength) / 4) * 4;
}

/** Bytes from the start of the array section to the end of its last array (0 without arrays). */
export function arraySectionLength(arrays: readonly ArrayEntry[]): number {
  return arrays.reduce((end, entry) => Math.max(end, entry.byteOffset + 4 * entry.length), 0);
}

/** The arrays of a checkpoint under their table names, in the order they are written. */
export function namedArrays(checkpoint: Checkpoint): [string, Float32Array][] {
  return [
    [PARAMS_ARRAY, checkpoint.params],
    [MODEL_STATE_ARRAY, checkpoint.modelState],
    ...Object.entries(checkpoint.optimizer.slots).map(([slot, values]): [string, Float32Array] => [SLOT_ARRAY_PREFIX + slot, values]),
  ];
}

/** The header of `checkpoint` with its arrays laid out back to back from the start of the array section. */
export function headerOf(checkpoint: Checkpoint): CheckpointHeader {
  let byteOffset = 0;
  const arrays = namedArrays(checkpoint).map(([name, values]) => {
    const entry = { name, byteOffset, length: values.length };
    byteOffset += values.byteLength;
    return entry;
  });
  const { step, epoch, samplerOffset, worldSize, batchSize, seed, config, optimizer, paramHash, createdAt } = checkpoint;
  return {
    step,
    epoch,
    samplerOffset,
    worldSize,
    batchSize,
    seed,
    config,
    optimizer: { name: optimizer.name, step: optimizer.step },
    paramHash,
    createdAt,
    arrays,
  };
}

/** Everything before the array section: magic, header length, the header's JSON and the zero padding. */
export function encodePreamble(headerJson: string): Uint8Array {
  const json = new TextEncoder().encode(headerJson);
  const bytes = new Uint8Array(arraySectionStart(json.length));
  bytes.set(MAGIC, 0);
  new DataView(bytes.buffer).setUint32(MAGIC.length, json.length, true);
  bytes.set(json, PREAMBLE_BYTES);
  return bytes;
}
