// What a receiver says to its sender on a pull link, the only traffic in that direction besides the close frame:
// it offers slots of memory the two processes share (ranks of one machine), and hands each slot back once the
// payload a slot frame announced there has been consumed. Each is one binary WebSocket message, small enough
// for a single short frame:
//
//   offer  0x01, slot count (u8, 1..MAX_SLOTS), bytes per slot (u32 LE, > 0), the receiver's pid (u32 LE, > 0),
//          its descriptor of the slots' shared file (u32 LE) and the file's inode (u64 LE, < 2^53): 22 bytes
//   free   0x02, slot index (u8)
//
// Decoding knows nothing of sockets or shared memory: it validates and returns a message or throws ProtocolError.

import { ErrorCodes, ProtocolError, type ErrorContext } from '@ringtrain/common';

/** The most slots one link offers (a slot index fits in a byte). */
export const MAX_SLOTS = 16;
const OFFER = 0x01;
const FREE = 0x02;

export type SlotMessage = { kind: 'offer'; slots: number; slotBytes: number; pid: number; fd: number; inode: number } | { kind: 'free'; slot: number };

const OFFER_BYTES = 22;
const isU32 = (v: number, min = 0): boolean => Number.isInteger(v) && v >= min && v <= 0xffffffff;

/** Encodes `m`. Throws RangeError for fields out of range (a local bug). */
export function encodeSlotMessage(m: SlotMessage): Buffer {
  if (m.kind === 'free') {
    if (!Number.isInteger(m.slot) || m.slot < 0 || m.slot >= MAX_SLOTS) throw new RangeError(`slot index must be in [0, ${MAX_SLOTS}), got ${m.slot}`);
    return Buffer.from([FREE, m.slot]);
  }
  if (!Number.isInteger(m.slots) || m.slots < 1 || m.slots > MAX_SLOTS) throw new RangeError(`slot count must be in [1, ${MAX_SLOTS}], got ${m.slots}`);
  if (!isU32(m.slotBytes, 1)) throw new RangeError(`slot size must be a positive u32, got ${m.slotBytes}`);
  if (!isU32(m.pid, 1) || !isU32(m.fd)) throw new RangeError(`pid and descriptor must be u32 (pid > 0), got ${m.pid} and ${m.fd}`);
  if (!Number.isSafeInteger(m.inode) || m.inode < 0) throw new RangeError(`inode must be a non-negative safe integer, got ${m.inode}`);
  const b = Buffer.alloc(OFFER_BYTES);
  b[0] = OFFER;
  b[1] = m.slots;
  b.writeUInt32LE(m.slotBytes, 2);
  b.writeUInt32LE(m.pid, 6);
  b.writeUInt32LE(m.fd, 10);
  b.writeBigUInt64LE(BigInt(m.inode), 14);
  return b;
}

/** Decodes one message. Throws ProtocolError E_PROTOCOL for anything else. */
export function decodeSlotMessage(bytes: Uint8Array, context: ErrorContext = {}): SlotMessage {
  const fail = (why: string): never => {
    throw new ProtocolError(ErrorCodes.PROTOCOL, `bad slot message: ${why}`, context);
  };
  if (bytes[0] === FREE) {
    if (bytes.length !== 2) fail(`a free message is 2 bytes, got ${bytes.length}`);
    if (bytes[1]! >= MAX_SLOTS) fail(`slot index ${bytes[1]} is not below ${MAX_SLOTS}`);
    return { kind: 'free', slot: bytes[1]! };
  }
  if (bytes[0] !== OFFER) return fail(bytes.length === 0 ? 'empty message' : `unknown kind ${bytes[0]}`);
  if (bytes.length !== OFFER_BYTES) fail(`an offer is ${OFFER_BYTES} bytes, got ${bytes.length}`);
  const slots = bytes[1]!;
  if (slots < 1 || slots > MAX_SLOTS) fail(`slot count ${slots} is not in [1, ${MAX_SLOTS}]`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [slotBytes, pid, fd, inode] = [view.getUint32(2, true), view.getUint32(6, true), view.getUint32(10, true), view.getBigUint64(14, true)];
  if (slotBytes === 0) fail('slot size 0');
  if (pid === 0) fail('pid 0');
  if (inode > BigInt(Number.MAX_SAFE_INTEGER)) fail(`inode ${inode} is beyond 2^53`);
  return { kind: 'offer', slots, slotBytes, pid, fd, inode: Number(inode) };
}
