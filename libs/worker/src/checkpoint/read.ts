// Reading a checkpoint: the whole file into one 4-byte-aligned buffer, then checks in the order that gives the
// most useful message (bad magic, truncation, checksum, header), and finally Float32Array views into that
// buffer for every array - no per-element copying.

import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Checkpoint } from './checkpoint.js';
import {
  HASH_ALGORITHM,
  HASH_BYTES,
  MAGIC,
  MIN_FILE_BYTES,
  MODEL_STATE_ARRAY,
  PARAMS_ARRAY,
  PREAMBLE_BYTES,
  SLOT_ARRAY_PREFIX,
  arraySectionLength,
  arraySectionStart,
  checkpointError,
  requireLittleEndianHost,
  type CheckpointHeader,
} from './format.js';
import { checkArrayLayout, parseHeader, type Fail } from './header.js';

/** Reads of at most this many bytes at a time (a single read is capped near 2 GiB). */
const READ_CHUNK_BYTES = 1 << 26;

/** The file's bytes in a fresh buffer of their own, so its byteOffset is 0 and float32 views line up. */
async function readAligned(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const bytes = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(bytes, filled, Math.min(size - filled, READ_CHUNK_BYTES), filled);
      // The file shrank while being read: keep what is there, the size checks report it as truncated.
      if (bytesRead === 0) return bytes.subarray(0, filled);
      filled += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/** True when the file's first bytes agree with the magic (all of them, if the file is shorter than it). */
function startsLikeMagic(bytes: Uint8Array): boolean {
  return MAGIC.every((byte, i) => i >= bytes.length || bytes[i] === byte);
}

function checksumMatches(bytes: Uint8Array): boolean {
  const end = bytes.length - HASH_BYTES;
  const digest = createHash(HASH_ALGORITHM).update(bytes.subarray(0, end)).digest();
  return digest.equals(bytes.subarray(end));
}

function headerLengthOf(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, PREAMBLE_BYTES).getUint32(MAGIC.length, true);
}

function decodeHeader(bytes: Uint8Array, headerLength: number, fail: Fail): CheckpointHeader {
  let value: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLength));
    value = JSON.parse(text);
  } catch (err) {
    return fail(`the header is not UTF-8 JSON (${(err as Error).message})`);
  }
  return parseHeader(value, fail);
}

/**
 * The file size the header claims, when the file fails its checksum: a file cut short is worth reporting as
 * truncated rather than merely corrupt. `atLeast` when even the header does not fit, so only its own end is known.
 * Undefined when the header is unreadable: then the damage is not a plain truncation.
 */
function claimedSize(bytes: Uint8Array): { bytes: number; atLeast: boolean } | undefined {
  const headerLength = headerLengthOf(bytes);
  const start = arraySectionStart(headerLength);
  if (start + HASH_BYTES > bytes.length) return { bytes: start + HASH_BYTES, atLeast: true };
  try {
    const header = decodeHeader(bytes, headerLength, (problem) => {
      throw new Error(problem);
    });
    return { bytes: start + arraySectionLength(header.arrays) + HASH_BYTES, atLeast: false };
  } catch {
    return undefined;
  }
}

/** Rejects anything that is not an intact checkpoint file; on return the checksum has matched. */
function verifyIntegrity(bytes: Uint8Array, fail: Fail): void {
  if (!startsLikeMagic(bytes)) fail('not a ringtrain checkpoint (bad magic)');
  if (bytes.length < MIN_FILE_BYTES) fail(`truncated: ${bytes.length} bytes, shorter than the smallest checkpoint (${MIN_FILE_BYTES} bytes)`);
  if (checksumMatches(bytes)) return;
  const claim = claimedSize(bytes);
  if (claim !== undefined && claim.bytes > bytes.length) {
    fail(`truncated: ${bytes.length} bytes, header says ${claim.atLeast ? 'at least ' : ''}${claim.bytes}`);
  }
  fail('checksum mismatch: the file is corrupt');
}

/**
 * Decodes a whole checkpoint file held in `bytes`, whose byteOffset must be a multiple of 4. The returned arrays
 * are views into `bytes`. Throws CheckpointError naming `file` for any defect. Exported for tests only.
 */
export function decodeCheckpoint(bytes: Uint8Array, file: string): Checkpoint {
  const fail: Fail = (problem) => {
    throw checkpointError(file, problem);
  };
  verifyIntegrity(bytes, fail);
  const headerLength = headerLengthOf(bytes);
  const sectionStart = arraySectionStart(headerLength);
  const sectionEnd = bytes.length - HASH_BYTES;
  // Only a forged file (its checksum recomputed) can fail the checks below: the writer never produces one.
  if (sectionStart > sectionEnd) fail(`the header length field (${headerLength} bytes) runs past the checksum at byte ${sectionEnd}`);
  const header = decodeHeader(bytes, headerLength, (problem) => fail(`bad header: ${problem}`));
  if (bytes.subarray(PREAMBLE_BYTES + headerLength, sectionStart).some((byte) => byte !== 0)) fail('the padding after the header is not zero');
  checkArrayLayout(header.arrays, sectionEnd - sectionStart, (problem) => fail(`bad array table: ${problem}`));

  const arrayStart = bytes.byteOffset + sectionStart;
  const views = new Map(header.arrays.map(({ name, byteOffset, length }) => [name, new Float32Array(bytes.buffer, arrayStart + byteOffset, length)]));
  // fromEntries defines own properties, so even a slot named __proto__ cannot touch the object's prototype.
  const slots = Object.fromEntries(
    [...views].filter(([name]) => name.startsWith(SLOT_ARRAY_PREFIX)).map(([name, values]) => [name.slice(SLOT_ARRAY_PREFIX.length), values]),
  );
  const { arrays: _table, optimizer, ...scalars } = header;
  // parseHeader has made sure the table lists params and modelState.
  return { ...scalars, optimizer: { ...optimizer, slots }, params: views.get(PARAMS_ARRAY)!, modelState: views.get(MODEL_STATE_ARRAY)! };
}

/**
 * Reads and verifies the checkpoint at `file` (magic, checksum, header fields, array table). The arrays of the
 * result are Float32Array views into one buffer holding the file. Throws CheckpointError (subject: `file`) when
 * the file cannot be read, is not a checkpoint, is truncated or corrupt, or its header is invalid.
 */
export async function readCheckpoint(file: string): Promise<Checkpoint> {
  requireLittleEndianHost(file);
  let bytes: Uint8Array;
  try {
    bytes = await readAligned(file);
  } catch (err) {
    throw checkpointError(file, `cannot read the checkpoint: ${(err as Error).message}`, err);
  }
  return decodeCheckpoint(bytes, file);
}
