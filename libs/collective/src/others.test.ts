import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@ringtrain/common';
import { MemoryTransport } from '@ringtrain/transport';
import { allGather } from './all-gather.js';
import { barrier } from './barrier.js';
import { broadcast } from './broadcast.js';
import { chunkBounds, segmentsOf } from './chunking.js';
import { onEveryRank, rampInput, randomInput, sameBits } from './test-support.js';
import { roundToHalf } from './float16.js';

describe('chunk layout', () => {
  it('cuts lengths into N chunks differing by at most one, covering every element once', () => {
    for (const [length, n] of [[0, 3], [1, 4], [10, 3], [7919, 8], [16, 4]] as const) {
      let next = 0;
      for (let i = 0; i < n; i++) {
        const c = chunkBounds(length, n, i);
        expect(c.start).toBe(next);
        expect(c.end - c.start).toBeGreaterThanOrEqual(Math.floor(length / n));
        expect(c.end - c.start).toBeLessThanOrEqual(Math.ceil(length / n));
        next = c.end;
      }
      expect(next).toBe(length);
    }
    // 10 elements, 3 ways: 4, 3, 3.
    expect([0, 1, 2].map((i) => chunkBounds(10, 3, i))).toEqual([{ start: 0, end: 4 }, { start: 4, end: 7 }, { start: 7, end: 10 }]);
    expect(segmentsOf({ start: 4, end: 11 }, 3)).toEqual([{ start: 4, end: 7 }, { start: 7, end: 9 }, { start: 9, end: 11 }]);
    expect(segmentsOf({ start: 5, end: 5 }, 3)).toEqual([]);
  });
});

describe('broadcast', () => {
  for (const n of [1, 2, 3, 5]) {
    it(`copies the root's buffer to all ${n} ranks, from every root`, async () => {
      for (let root = 0; root < n; root++) {
        const outs = await onEveryRank(n, (t) => broadcast(t, t.rank === root ? rampInput(root, 3001) : new Float32Array(3001), root, { segmentBytes: 1000 }));
        for (const out of outs) expect(sameBits(out, rampInput(root, 3001))).toBe(true);
      }
    });
  }

  it('rounds the root too when float16 travels, so every rank agrees', async () => {
    const src = randomInput(7, 513);
    const outs = await onEveryRank(3, (t) => broadcast(t, t.rank === 1 ? src.slice() : new Float32Array(513), 1, { wireDtype: 'float16' }));
    for (const out of outs) expect(sameBits(out, outs[0]!)).toBe(true);
    outs[0]!.forEach((v, i) => expect(v).toBe(roundToHalf(src[i]!)));
  });

  it('refuses a root outside the world', async () => {
    const [t] = MemoryTransport.createGroup(2);
    await expect(broadcast(t!, new Float32Array(1), 2)).rejects.toMatchObject({ code: ErrorCodes.COLLECTIVE_MISUSE });
  });
});

describe('allGather', () => {
  for (const n of [1, 2, 4, 7]) {
    it(`puts rank r's block at [r*m, (r+1)*m) on all ${n} ranks`, async () => {
      for (const m of [0, 1, 37, 1000]) {
        const outs = await onEveryRank(n, (t) => allGather(t, rampInput(t.rank, m), { segmentBytes: 64 }));
        for (const out of outs) {
          expect(out.length).toBe(n * m);
          for (let r = 0; r < n; r++) expect(sameBits(out.subarray(r * m, (r + 1) * m), rampInput(r, m))).toBe(true);
        }
      }
    });
  }
});

describe('barrier', () => {
  it('releases no rank before the last one enters', async () => {
    const n = 5;
    const entered: number[] = [];
    const left: number[] = [];
    await onEveryRank(n, async (t) => {
      await new Promise((r) => setTimeout(r, t.rank === 3 ? 150 : 5 * t.rank));
      entered.push(Date.now());
      await barrier(t, { timeoutMs: 5000 });
      left.push(Date.now());
    });
    expect(Math.min(...left)).toBeGreaterThanOrEqual(Math.max(...entered));
  });

  it('times out naming the phase when a rank never comes', async () => {
    const group = MemoryTransport.createGroup(3);
    const errs = await Promise.all([0, 1].map((r) => barrier(group[r]!, { timeoutMs: 100 }).catch((e) => e)));
    expect(errs.some((e) => e.code === ErrorCodes.TIMEOUT && /phase barrier/.test(e.message))).toBe(true);
    await Promise.all(group.map((t) => t.close()));
  });
});
