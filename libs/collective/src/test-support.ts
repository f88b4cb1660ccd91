// Helpers for the collective tests: run one function on every rank of an in-memory group.
import { MemoryTransport, type Transport } from '@ringtrain/transport';

export async function onEveryRank<T>(worldSize: number, body: (t: Transport) => Promise<T>): Promise<T[]> {
  const group = MemoryTransport.createGroup(worldSize);
  try {
    return await Promise.all(group.map((t) => body(t)));
  } finally {
    await Promise.all(group.map((t) => t.close()));
  }
}

/** Rank-dependent input with an exact closed-form sum: x_r[i] = (r + 1) * (i mod 251 + 1). */
export function rampInput(rank: number, length: number): Float32Array {
  const x = new Float32Array(length);
  for (let i = 0; i < length; i++) x[i] = (rank + 1) * ((i % 251) + 1);
  return x;
}

/** Seeded uniform values in [-1, 1) (mulberry32), for tests where sums are not exact. */
export function randomInput(seed: number, length: number): Float32Array {
  let a = seed >>> 0;
  const x = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    x[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return x;
}

export function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
