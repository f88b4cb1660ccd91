// The data-plane frame header: a fixed 24-byte little-endian prefix in front of the raw payload.
// It travels as the first fragment of a WebSocket message and the payload as the second, so the
// payload is never copied into a combined buffer on send, nor concatenated on receive.
//
//   offset  size  field
//   0       2     magic 'R','T' (payload follows) or 'R','S' (payload is in a shared slot, see below)
//   2       1     FRAME_VERSION
//   3       1     phase       (collective phase, 0..255)
//   4       4     generation  (ring generation; frames of another generation are stale)
//   8       4     step
//   12      4     bucket
//   16      4     chunk
//   20      4     payload byte length (must equal the bytes that follow)
//
// A slot frame ('R','S') announces a payload the sender has placed in a slot of memory the two processes share
// (two ranks of one machine, see slot-messages.ts): payloadBytes is the payload's length, and the message carries
// only the 4-byte little-endian slot index after the header.
//
// Parsing knows nothing of sockets: it takes bytes and returns a header or throws ProtocolError.

import { ErrorCodes, ProtocolError, type ErrorContext } from '@ringtrain/common';

export const FRAME_HEADER_BYTES = 24;
export const FRAME_VERSION = 1;
const MAGIC_0 = 0x52; // 'R'
const MAGIC_1 = 0x54; // 'T'
const MAGIC_1_SLOT = 0x53; // 'S'
/** The body of a slot frame: the slot index. */
export const SLOT_INDEX_BYTES = 4;
const U32_MAX = 0xffffffff;

export interface FrameHeader {
  generation: number;
  step: number;
  bucket: number;
  phase: number;
  chunk: number;
  payloadBytes: number;
  /** Set on a slot frame: the payload is in a shared slot, not in the message. */
  inSlot?: true;
}

function checkU32(name: string, v: number, max = U32_MAX): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(`frame header field ${name} must be an integer in [0, ${max}], got ${v}`);
  }
}

/** Writes `h` into a new 24-byte buffer. Throws RangeError on out-of-range fields (a local bug). */
export function encodeFrameHeader(h: FrameHeader): Buffer {
  checkU32('generation', h.generation);
  checkU32('step', h.step);
  checkU32('bucket', h.bucket);
  checkU32('phase', h.phase, 0xff);
  checkU32('chunk', h.chunk);
  checkU32('payloadBytes', h.payloadBytes);
  const b = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  b[0] = MAGIC_0;
  b[1] = h.inSlot ? MAGIC_1_SLOT : MAGIC_1;
  b[2] = FRAME_VERSION;
  b[3] = h.phase;
  b.writeUInt32LE(h.generation, 4);
  b.writeUInt32LE(h.step, 8);
  b.writeUInt32LE(h.bucket, 12);
  b.writeUInt32LE(h.chunk, 16);
  b.writeUInt32LE(h.payloadBytes, 20);
  return b;
}

/** A whole slot frame: `h`'s header marked as a slot frame, then the slot index (little-endian u32). */
export function encodeSlotFrame(h: FrameHeader, slot: number): Buffer {
  checkU32('slot', slot);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + SLOT_INDEX_BYTES);
  encodeFrameHeader({ ...h, inSlot: true }).copy(frame);
  frame.writeUInt32LE(slot, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Parses a header on its own, for receivers that stream the payload and learn its length at the end.
 * Throws ProtocolError E_PROTOCOL (truncated, bad magic) or E_VERSION.
 */
export function parseFrameHeader(bytes: Uint8Array, context: ErrorContext = {}): FrameHeader {
  if (bytes.length !== FRAME_HEADER_BYTES) {
    throw new ProtocolError(ErrorCodes.PROTOCOL, `frame header must be ${FRAME_HEADER_BYTES} bytes, got ${bytes.length}`, context);
  }
  if (bytes[0] !== MAGIC_0 || (bytes[1] !== MAGIC_1 && bytes[1] !== MAGIC_1_SLOT)) {
    throw new ProtocolError(ErrorCodes.PROTOCOL, 'frame header has bad magic (not a ringtrain data frame)', context);
  }
  if (bytes[2] !== FRAME_VERSION) {
    throw new ProtocolError(ErrorCodes.VERSION_MISMATCH, `frame version ${bytes[2]} is not ${FRAME_VERSION}`, context);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header: FrameHeader = {
    phase: bytes[3]!,
    generation: view.getUint32(4, true),
    step: view.getUint32(8, true),
    bucket: view.getUint32(12, true),
    chunk: view.getUint32(16, true),
    payloadBytes: view.getUint32(20, true),
  };
  if (bytes[1] === MAGIC_1_SLOT) header.inSlot = true;
  return header;
}

/** The error for a payload whose length disagrees with its header. */
export function payloadLengthError(announced: number, arrived: number, context: ErrorContext = {}): ProtocolError {
  return new ProtocolError(
    ErrorCodes.PROTOCOL,
    `frame header announces ${announced} payload bytes but ${arrived} arrived (truncated or corrupt frame)`,
    context,
  );
}
