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
    // offer: kind 1, 4 slots, 4 MiB = 0x00400000 little-endian, then the name
    expect([...encodeSlotMessage({ kind: 'offer', name: '/a.b', slots: 4, slotBytes: 4 << 20 })]).toEqual([1, 4, 0, 0, 0x40, 0, 0x2f, 0x61, 0x2e, 0x62]);
    expect([...encodeSlotMessage({ kind: 'free', slot: 3 })]).toEqual([2, 3]);
  });

  it.each<SlotMessage>([
    { kind: 'offer', name: '/ringtrain-0123abcd', slots: MAX_SLOTS, slotBytes: 0xffffffff },
    { kind: 'offer', name: `/${'x'.repeat(100)}`, slots: 1, slotBytes: 1 },
    { kind: 'free', slot: 0 },
    { kind: 'free', slot: MAX_SLOTS - 1 },
  ])('round-trips %j', (m) => {
    expect(decodeSlotMessage(encodeSlotMessage(m))).toEqual(m);
  });

  it('fits in one short WebSocket frame (at most 125 bytes)', () => {
    expect(encodeSlotMessage({ kind: 'offer', name: `/${'x'.repeat(100)}`, slots: 1, slotBytes: 1 }).length).toBeLessThanOrEqual(125);
  });

  it.each([
    ['an empty message', [], 'empty message'],
    ['an unknown kind', [7, 0], 'unknown kind 7'],
    ['a long free message', [2, 1, 0], 'a free message is 2 bytes, got 3'],
    ['a slot index out of range', [2, MAX_SLOTS], `slot index ${MAX_SLOTS} is not below ${MAX_SLOTS}`],
    ['a truncated offer', [1, 4, 0, 0, 0x40, 0], 'an offer is at least 7 bytes, got 6'],
    ['no slots', [1, 0, 0, 0, 0x40, 0, 0x2f, 0x61], `slot count 0 is not in [1, ${MAX_SLOTS}]`],
    ['too many slots', [1, MAX_SLOTS + 1, 0, 0, 0x40, 0, 0x2f, 0x61], `slot count ${MAX_SLOTS + 1} is not in [1, ${MAX_SLOTS}]`],
    ['empty slots', [1, 4, 0, 0, 0, 0, 0x2f, 0x61], 'slot size 0'],
    ['a name without a slash', [1, 4, 0, 0, 0x40, 0, 0x61, 0x61], 'shared-memory name "aa" is not \'/\' and 1-100 of [A-Za-z0-9._-]'],
    ['a name with a path', [1, 4, 0, 0, 0x40, 0, 0x2f, 0x61, 0x2f, 0x61], 'shared-memory name "/a/a" is not \'/\' and 1-100 of [A-Za-z0-9._-]'],
  ])('E_PROTOCOL for %s, with the link in the context', (_what, bytes, why) => {
    const err = decodeError(bytes);
    expect([err.code, err.detail, err.context]).toEqual([ErrorCodes.PROTOCOL, `bad slot message: ${why}`, { rank: 1, peer: 2 }]);
  });

  it('refuses to encode what it would refuse to decode', () => {
    expect(() => encodeSlotMessage({ kind: 'free', slot: MAX_SLOTS })).toThrow(RangeError);
    expect(() => encodeSlotMessage({ kind: 'offer', name: 'no-slash', slots: 1, slotBytes: 1 })).toThrow(RangeError);
    expect(() => encodeSlotMessage({ kind: 'offer', name: '/a', slots: 0, slotBytes: 1 })).toThrow(RangeError);
    expect(() => encodeSlotMessage({ kind: 'offer', name: '/a', slots: 1, slotBytes: 0 })).toThrow(RangeError);
  });
});
