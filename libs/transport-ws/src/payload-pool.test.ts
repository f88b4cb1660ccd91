import { describe, expect, it } from 'vitest';
import { PayloadPool } from './payload-pool.js';

describe('PayloadPool', () => {
  it('hands a returned buffer out again for the same length only', () => {
    const pool = new PayloadPool();
    const a = pool.take(1000);
    expect(a.length).toBe(1000);
    pool.give(a);
    expect(pool.take(999)).not.toBe(a);
    expect(pool.take(1000)).toBe(a);
    expect(pool.take(1000)).not.toBe(a); // taken: not handed out twice
  });

  it('keeps at most 64 MiB: further buffers are left to the garbage collector', () => {
    const pool = new PayloadPool();
    const bufs = Array.from({ length: 5 }, () => pool.take(16 << 20));
    bufs.forEach((b) => pool.give(b));
    const again = Array.from({ length: 5 }, () => pool.take(16 << 20));
    expect(again.filter((b) => bufs.includes(b))).toHaveLength(4);
  });
});
