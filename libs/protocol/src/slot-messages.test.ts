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

/** An inode (7) as the 8 little-endian bytes an offer ends with. */
const INODE = [7, 0, 0, 0, 0, 0, 0, 0];

describe('slot messages', () => {
  it('writes the documented layouts', () => {
    // offer: kind 1, 4 slots, 4 MiB = 0x00400000, pid 0x01020304, descriptor 23, inode 0x0102_00000005, little-endian
    expect([...encodeSlotMessage({ kind: 'offer', slots: 4, slotBytes: 4 << 20, pid: 0x01020304, fd: 23, inode: 0x0102_00000005 })]).toEqual([
      1, 4, 0, 0, 0x40, 0, 4, 3, 2, 1, 23, 0, 0, 0, 5, 0, 0, 0, 2, 1, 0, 0,
    ]);
    expect([...encodeSlotMessage({ kind: 'free', slot: 3 })]).toEqual([2, 3]);
  });

  it.each<SlotMessage>([
    { kind: 'offer', slots: MAX_SLOTS, slotBytes: 0xffffffff, pid: 0xffffffff, fd: 0xffffffff, inode: Number.MAX_SAFE_INTEGER },
    { kind: 'offer', slots: 1, slotBytes: 1, pid: 1, fd: 0, inode: 0 },
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
    ['a truncated offer', [1, 4, 0, 0, 0x40, 0, 1, 0, 0, 0, 3, 0, 0, 0, ...INODE.slice(1)], 'an offer is 22 bytes, got 21'],
    ['a long offer', [1, 4, 0, 0, 0x40, 0, 1, 0, 0, 0, 3, 0, 0, 0, ...INODE, 0], 'an offer is 22 bytes, got 23'],
    ['no slots', [1, 0, 0, 0, 0x40, 0, 1, 0, 0, 0, 3, 0, 0, 0, ...INODE], `slot count 0 is not in [1, ${MAX_SLOTS}]`],
    ['too many slots', [1, MAX_SLOTS + 1, 0, 0, 0x40, 0, 1, 0, 0, 0, 3, 0, 0, 0, ...INODE], `slot count ${MAX_SLOTS + 1} is not in [1, ${MAX_SLOTS}]`],
    ['empty slots', [1, 4, 0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, ...INODE], 'slot size 0'],
    ['pid 0', [1, 4, 0, 0, 0x40, 0, 0, 0, 0, 0, 3, 0, 0, 0, ...INODE], 'pid 0'],
    ['an inode beyond 2^53', [1, 4, 0, 0, 0x40, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0], 'inode 9007199254740992 is beyond 2^53'],
  ])('E_PROTOCOL for %s, with the link in the context', (_what, bytes, why) => {
    const err = decodeError(bytes);
    expect([err.code, err.detail, err.context]).toEqual([ErrorCodes.PROTOCOL, `bad slot message: ${why}`, { rank: 1, peer: 2 }]);
  });

  it('refuses to encode what it would refuse to decode', () => {
    expect(() => encodeSlotMessage({ kind: 'free', slot: MAX_SLOTS })).toThrow(RangeError);
    const offer = { kind: 'offer', slots: 1, slotBytes: 1, pid: 1, fd: 0, inode: 0 } as const;
    for (const bad of [{ slots: 0 }, { slotBytes: 0 }, { pid: 0 }, { fd: -1 }, { inode: -1 }, { inode: 2 ** 53 }]) {
      expect(() => encodeSlotMessage({ ...offer, ...bad })).toThrow(RangeError);
    }
  });
});
