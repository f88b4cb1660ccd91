import { describe, expect, it } from 'vitest';
import { allocateVector, SimdMemory } from './simd-memory.js';

describe('SimdMemory', () => {
  it('hands out zero-filled, 64-byte-aligned, disjoint buffers that it recognises as its own', () => {
    const memory = new SimdMemory();
    const a = memory.allocate(5);
    const b = memory.allocate(3);
    expect([...a]).toEqual([0, 0, 0, 0, 0]);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(a.byteOffset % 64).toBe(0);
    expect(b.byteOffset % 64).toBe(0);
    expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + a.byteLength);
    expect(memory.addressOf(b)).toBe(b.byteOffset);
    expect(memory.addressOf(new Float32Array(3))).toBeUndefined();
    // A view of a region, at an offset inside it, has the address of that byte.
    expect(memory.addressOf(a.subarray(2))).toBe(a.byteOffset + 8);
  });

  it('gives the addresses of views only when all of them live in it', () => {
    const memory = new SimdMemory();
    const [a, b] = [memory.allocate(4), memory.allocate(4)];
    expect(memory.addressesOf([a, b.subarray(1)])).toEqual([a.byteOffset, b.byteOffset + 4]);
    expect(memory.addressesOf([a, new Float32Array(4)])).toBeUndefined();
    expect(memory.addressesOf([new SimdMemory().allocate(4)])).toBeUndefined();
  });

  it('gives nothing, or a heap vector from allocateVector, when a buffer would not fit under its maximum', () => {
    const memory = new SimdMemory(16); // 16 pages: 1 MiB
    const held = memory.allocate(4);
    expect(memory.tryAllocate(1 << 18)).toBeUndefined(); // 1 MiB of floats, plus what is held: past the maximum
    expect(() => memory.allocate(1 << 18)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    const vector = allocateVector(1 << 16, memory); // 256 KiB: fits
    expect(memory.addressOf(vector)).toBeDefined();
    // A failed attempt left the memory usable and the held buffer where it was.
    expect(memory.addressOf(held)).toBe(held.byteOffset);
    const fallback = allocateVector(1 << 18, memory);
    expect(memory.addressOf(fallback)).toBeUndefined();
    expect(fallback.length).toBe(1 << 18);
    expect(fallback.every((x) => x === 0)).toBe(true);
  });

  it('keeps earlier buffers valid when it grows (a shared memory never detaches)', () => {
    const memory = new SimdMemory();
    const small = memory.allocate(4);
    small.set([1, 2, 3, 4]);
    const big = memory.allocate(3 << 20); // 12 MiB: the memory grows by many pages
    big[big.length - 1] = 7;
    expect([...small]).toEqual([1, 2, 3, 4]);
    small[0] = 9;
    expect(small[0]).toBe(9);
    expect(memory.addressOf(small)).toBe(small.byteOffset);
    expect(memory.addressOf(big)).toBe(big.byteOffset);
  });

  it('reuses a released region for the next buffer of the same size, zero-filled again', () => {
    const memory = new SimdMemory();
    const a = memory.allocate(100);
    a.fill(3);
    memory.release(a);
    const b = memory.allocate(100);
    expect(b.byteOffset).toBe(a.byteOffset);
    expect(b.every((x) => x === 0)).toBe(true);
    const c = memory.allocate(100);
    expect(c.byteOffset).not.toBe(b.byteOffset);
  });

  it('refuses to release a foreign buffer, a part of one, or the same buffer twice', () => {
    const memory = new SimdMemory();
    const a = memory.allocate(16);
    expect(() => memory.release(new Float32Array(16))).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() => memory.release(a.subarray(0, 8))).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    memory.release(a);
    expect(() => memory.release(a)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });

  it('refuses a negative or fractional length', () => {
    const memory = new SimdMemory();
    expect(() => memory.allocate(-1)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() => memory.allocate(1.5)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });

  it('shares an arena of its memory with another allocator, which stays inside it and sees every buffer in place', () => {
    const owner = new SimdMemory();
    const before = owner.allocate(8);
    const arena = owner.shareArena(1024);
    const after = owner.allocate(8);
    const guest = new SimdMemory(undefined, arena);
    expect(guest.memory).toBe(owner.memory);
    const a = guest.allocate(64); // 256 bytes
    const b = guest.allocateBytes(512);
    expect(a.byteOffset).toBeGreaterThanOrEqual(arena.start);
    expect(b.byteOffset + b.byteLength).toBeLessThanOrEqual(arena.end);
    // Past the arena there is no room, and the memory did not grow for it.
    const pages = owner.memory.buffer.byteLength;
    expect(guest.tryAllocate(128)).toBeUndefined();
    expect(owner.memory.buffer.byteLength).toBe(pages);
    // The owner's buffers, outside the arena, are reachable as views the guest recognises (in-place kernels).
    after.set([1, 2, 3, 4, 5, 6, 7, 8]);
    const seen = guest.view(after.byteOffset, after.length);
    expect([...seen]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(guest.addressOf(seen)).toBe(after.byteOffset);
    seen[0] = 9;
    expect(after[0]).toBe(9);
    expect(before.every((x) => x === 0)).toBe(true);
    // Taken back, the arena's region is handed out again for the next arena of its size.
    owner.releaseArena(arena);
    expect(owner.shareArena(1024).start).toBe(arena.start);
    expect(() => owner.releaseArena(arena)).not.toThrow(); // the new arena, at the same place
    expect(() => owner.releaseArena(arena)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });
});
