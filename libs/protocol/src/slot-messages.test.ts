import { ErrorCodes, ProtocolError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { decodeSlotMessage, encodeSlotMessage, MAX_SLOTS, type SlotMessage } from './index.js';

function decodeError(bytes: number[]): ProtocolError {
  try {
    decodeSlotMessage(Uint8Array.from(bytes), { rank: 1, peer: 2 });
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
  throw new Error('decodeSlotMessage accepted the message');
}

describe('slot messages', () => {
  it('writes the documented layouts', () => {
    // offer: kind 1, 4 slots, 4 MiB = 0x00400000, pid 0x01020304, descriptor 23, little-endian
    expect([...encodeSlotMessage({ kind: 'offer', slots: 4, slotBytes: 4 << 20, pid: 0x01020304, fd: 23 })]).toEqual([1, 4, 0, 0, 0x40, 0, 4, 3, 2, 1, 23, 0, 0, 0]);
    expect([...encodeSlotMessage({ kind: 'free', slot: 3 })]).toEqual([2, 3]);
  });

  it.each<SlotMessage>([
    { kind: 'offer', slots: MAX_SLOTS, slotBytes: 0xffffffff, pid: 0xffffffff, fd: 0xffffffff },
    { kind: 'offer', slots: 1, slotBytes: 1, pid: 1, fd: 0 },
    { kind: 'free', slot: 0 },
    { kind: 'free', slot: MAX_SLOTS - 1 },
  ])('round-trips %j', (m) => {
    expect(decodeSlotMessage(encodeSlotMessage(m))).toEqual(m);
  });

  it.each([
    ['an empty message', [], 'empty message'],
    ['an unknown kind', [7, 0], 'unknown kind 7'],
    ['a long free message', [2, 1, 0], 'a free message is 2 bytes, got 3'],
    ['a slot index out of range', [2, MAX_SLOTS], `slot index ${MAX_SLOTS} is not below ${MAX_SLOTS}`],
    ['a truncated offer', [1, 4, 0, 0, 0x40, 0, 1, 0, 0, 0, 3, 0, 0], 'an offer is 14 bytes, got 13'],
    ['a long offer', [1, 4, 0, 0, 0x40, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0], 'an offer is 14 bytes, got 15'],
    ['no slots', [1, 0, 0, 0, 0x40, 0, 1, 0, 0, 0, 3, 0, 0, 0], `slot count 0 is not in [1, ${MAX_SLOTS}]`],
    ['too many slots', [1, MAX_SLOTS + 1, 0, 0, 0x40, 0, 1, 0, 0, 0, 3, 0, 0, 0], `slot count ${MAX_SLOTS + 1} is not in [1, ${MAX_SLOTS}]`],
    ['empty slots', [1, 4, 0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0], 'slot size 0'],
    ['pid 0', [1, 4, 0, 0, 0x40, 0, 0, 0, 0, 0, 3, 0, 0, 0], 'pid 0'],
  ])('E_PROTOCOL for %s, with the link in the context', (_what, bytes, why) => {
    const err = decodeError(bytes);
    expect([err.code, err.detail, err.context]).toEqual([ErrorCodes.PROTOCOL, `bad slot message: ${why}`, { rank: 1, peer: 2 }]);
  });

  it('refuses to encode what it would refuse to decode', () => {
    expect(() => encodeSlotMessage({ kind: 'free', slot: MAX_SLOTS })).toThrow(RangeError);
    expect(() => encodeSlotMessage({ kind: 'offer', slots: 0, slotBytes: 1, pid: 1, fd: 0 })).toThrow(RangeError);
    expect(() => encodeSlotMessage({ kind: 'offer', slots: 1, slotBytes: 0, pid: 1, fd: 0 })).toThrow(RangeError);
    expect(() => encodeSlotMessage({ kind: 'offer', slots: 1, slotBytes: 1, pid: 0, fd: 0 })).toThrow(RangeError);
    expect(() => encodeSlotMessage({ kind: 'offer', slots: 1, slotBytes: 1, pid: 1, fd: -1 })).toThrow(RangeError);
  });
});
