// What a receiver says to its sender on a pull link, the only traffic in that direction besides the close frame:
// it offers slots of memory the two processes share (ranks of one machine), and hands each slot back once the
// payload a slot frame announced there has been consumed. Each is one binary WebSocket message, small enough
// for a single short frame:
//
//   offer  0x01, slot count (u8, 1..MAX_SLOTS), bytes per slot (u32 LE, > 0), object name (UTF-8, the rest)
//   free   0x02, slot index (u8)
//
// Decoding knows nothing of sockets or shared memory: it validates and returns a message or throws ProtocolError.

import { ErrorCodes, ProtocolError, type ErrorContext } from '@ringtrain/common';

/** The most slots one link offers (a slot index fits in a byte). */
export const MAX_SLOTS = 16;
/** A shared-memory object name as ringtrain makes them: '/' and up to 100 of [A-Za-z0-9._-]. */
const NAME = /^\/[A-Za-z0-9._-]{1,100}$/;
const OFFER = 0x01;
const FREE = 0x02;

export type SlotMessage = { kind: 'offer'; name: string; slots: number; slotBytes: number } | { kind: 'free'; slot: number };

/** Encodes `m`. Throws RangeError for fields out of range (a local bug). */
export function encodeSlotMessage(m: SlotMessage): Buffer {
  if (m.kind === 'free') {
    if (!Number.isInteger(m.slot) || m.slot < 0 || m.slot >= MAX_SLOTS) throw new RangeError(`slot index must be in [0, ${MAX_SLOTS}), got ${m.slot}`);
    return Buffer.from([FREE, m.slot]);
  }
  if (!NAME.test(m.name)) throw new RangeError(`shared-memory name ${JSON.stringify(m.name)} is not '/' and 1-100 of [A-Za-z0-9._-]`);
  if (!Number.isInteger(m.slots) || m.slots < 1 || m.slots > MAX_SLOTS) throw new RangeError(`slot count must be in [1, ${MAX_SLOTS}], got ${m.slots}`);
  if (!Number.isInteger(m.slotBytes) || m.slotBytes <= 0 || m.slotBytes > 0xffffffff) throw new RangeError(`slot size must be a positive u32, got ${m.slotBytes}`);
  const b = Buffer.alloc(6 + m.name.length);
  b[0] = OFFER;
  b[1] = m.slots;
  b.writeUInt32LE(m.slotBytes, 2);
  b.write(m.name, 6, 'latin1');
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
  if (bytes.length < 7) fail(`an offer is at least 7 bytes, got ${bytes.length}`);
  const slots = bytes[1]!;
  if (slots < 1 || slots > MAX_SLOTS) fail(`slot count ${slots} is not in [1, ${MAX_SLOTS}]`);
  const slotBytes = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(2, true);
  if (slotBytes === 0) fail('slot size 0');
  const name = Buffer.from(bytes.buffer, bytes.byteOffset + 6, bytes.length - 6).toString('latin1');
  if (!NAME.test(name)) fail(`shared-memory name ${JSON.stringify(name)} is not '/' and 1-100 of [A-Za-z0-9._-]`);
  return { kind: 'offer', name, slots, slotBytes };
}
