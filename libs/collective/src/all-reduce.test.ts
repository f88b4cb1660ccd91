import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, type RingtrainError } from '@ringtrain/common';
import { MemoryTransport } from '@ringtrain/transport';
import { allReduce } from './all-reduce.js';
import { onEveryRank, rampInput, randomInput, sameBits } from './test-support.js';

// With x_r[i] = (r+1) * (i mod 251 + 1):  sum_r x_r[i] = (i mod 251 + 1) * N(N+1)/2, and
// average = (i mod 251 + 1) * (N+1)/2. Both are small integers or halves, exact in float32 whatever
// the order of additions, so results are compared exactly.
function expectRampSum(out: Float32Array, n: number, op: 'sum' | 'average'): void {
  const factor = op === 'sum' ? (n * (n + 1)) / 2 : (n + 1) / 2;
  for (let i = 0; i < out.length; i++) {
    if (out[i] !== ((i % 251) + 1) * factor) throw new Error(`element ${i}: got ${out[i]}, expected ${((i % 251) + 1) * factor}`);
  }
}

describe('allReduce', () => {
  const lengths = (n: number) => [0, 1, n - 1, n, n + 1, 7, 7919, 104_729, 3 * n + 2];
  for (let n = 1; n <= 8; n++) {
    it(`sums and averages exactly on ${n} rank(s) for lengths 0, 1, N-1, primes and non-multiples of N`, async () => {
      for (const length of lengths(n)) {
        for (const op of ['sum', 'average'] as const) {
          const outs = await onEveryRank(n, (t) => allReduce(t, rampInput(t.rank, length), { op, segmentBytes: 4096 }));
          for (const out of outs) expectRampSum(out, n, op);
        }
      }
    });
  }

  it('reduces 64 MiB (16M floats) on 4 ranks with 1 MiB segments', async () => {
    const length = 16 << 20;
    const outs = await onEveryRank(4, (t) => allReduce(t, rampInput(t.rank, length), { op: 'average' }));
    for (const out of outs) expectRampSum(out, 4, 'average');
  }, 60_000);

  it('gives every rank bit-identical results, and the same bits on a second run', async () => {
    const run = () => onEveryRank(5, (t) => allReduce(t, randomInput(t.rank + 1, 10_007), { op: 'average', segmentBytes: 256 }));
    const first = await run();
    const second = await run();
    for (const out of [...first, ...second]) expect(sameBits(out, first[0]!)).toBe(true);
    // And it is the average: compare with a float64 reference within float32 rounding of N additions.
    const ref = new Float64Array(10_007);
    for (let r = 0; r < 5; r++) randomInput(r + 1, 10_007).forEach((v, i) => (ref[i]! += v / 5));
    first[0]!.forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThan(5 * 2 ** -23 * 5));
  });

  it('pipelines many tiny segments (4 bytes each) correctly', async () => {
    const outs = await onEveryRank(3, (t) => allReduce(t, rampInput(t.rank, 1000), { segmentBytes: 4 }));
    for (const out of outs) expectRampSum(out, 3, 'sum');
  });

  it('runs concurrent all-reduces on distinct buckets without mixing their messages', async () => {
    const outs = await onEveryRank(4, (t) =>
      Promise.all([0, 1, 2].map((bucket) => allReduce(t, rampInput(t.rank + bucket * 10, 5000), { tag: { step: 3, bucket }, segmentBytes: 512 }))),
    );
    for (const perRank of outs) {
      perRank.forEach((out, bucket) => {
        // x = (r + 10b + 1) * f(i): the sum over r of (r + 10b + 1) = N(N+1)/2 + 10bN.
        const factor = 10 + 10 * bucket * 4;
        out.forEach((v, i) => expect(v).toBe(((i % 251) + 1) * factor));
      });
    }
  });

  describe('float16 on the wire', () => {
    // Each hop rounds a partial sum to binary16 (unit roundoff u = 2^-11) and the owner rounds the
    // final value once more, so |error| <= u * (sum over hops of |partial sum|) + u * |result|
    // <= (N + 1) * u * sum_r |x_r[i]|.
    for (const n of [2, 3, 8]) {
      it(`stays within the float16 rounding bound on ${n} ranks and all ranks agree bit for bit`, async () => {
        const length = 4099;
        const inputs = Array.from({ length: n }, (_, r) => randomInput(100 + r, length));
        const outs = await onEveryRank(n, (t) => allReduce(t, inputs[t.rank]!.slice(), { wireDtype: 'float16', segmentBytes: 1024 }));
        for (const out of outs) expect(sameBits(out, outs[0]!)).toBe(true);
        const u = 2 ** -11;
        for (let i = 0; i < length; i++) {
          let exact = 0;
          let magnitude = 0;
          for (const x of inputs) {
            exact += x[i]!;
            magnitude += Math.abs(x[i]!);
          }
          expect(Math.abs(outs[0]![i]! - exact)).toBeLessThanOrEqual((n + 1) * u * magnitude + 1e-7);
        }
      });
    }
  });

  describe('misuse and failures', () => {
    it('refuses a non-Float32Array, an unknown op and a bad segment size with E_COLLECTIVE_MISUSE', async () => {
      const [t] = MemoryTransport.createGroup(2);
      await expect(allReduce(t!, [1, 2] as unknown as Float32Array)).rejects.toThrow(/data must be a Float32Array/);
      await expect(allReduce(t!, new Float32Array(2), { op: 'max' as 'sum' })).rejects.toMatchObject({ code: ErrorCodes.COLLECTIVE_MISUSE });
      await expect(allReduce(t!, new Float32Array(2), { segmentBytes: 2 })).rejects.toThrow(/segmentBytes must be an integer >= 4/);
    });

    it('names the mismatch when ranks pass different lengths', async () => {
      const errors = await onEveryRank(2, (t) =>
        allReduce(t, new Float32Array(t.rank === 0 ? 100 : 102), { timeoutMs: 2000 }).then(
          () => undefined,
          (e: RingtrainError) => e,
        ),
      );
      const err = errors.find((e) => e?.code === ErrorCodes.COLLECTIVE_MISUSE);
      expect(err?.message).toMatch(/do all ranks pass buffers of the same length/);
      expect(err?.context.phase).toMatch(/allReduce reduce-scatter 1\/1/);
    });

    it('fails with E_PEER_CLOSED, naming rank, peer and phase, when a peer dies mid-collective', async () => {
      const group = MemoryTransport.createGroup(3);
      // Rank 2 never participates and closes after 20 ms. Rank 0 waits on rank 2 and learns at once;
      // rank 1 waits on rank 0, which can no longer send, and runs into its own (short) timeout.
      setTimeout(() => void group[2]!.close(), 20);
      const t0 = Date.now();
      const [fromRank0, fromRank1] = await Promise.all(
        [0, 1].map((r) => allReduce(group[r]!, rampInput(r, 1000), { timeoutMs: r === 0 ? 10_000 : 500 }).then(() => undefined, (e: RingtrainError) => e)),
      );
      expect(fromRank0!.code).toBe(ErrorCodes.PEER_CLOSED);
      expect(fromRank0!.context).toMatchObject({ rank: 0, peer: 2 });
      expect(fromRank0!.message).toMatch(/phase allReduce reduce-scatter 1\/2/);
      expect(fromRank1!.code).toBe(ErrorCodes.TIMEOUT);
      expect(fromRank1!.context).toMatchObject({ rank: 1, peer: 0 });
      expect(Date.now() - t0).toBeLessThan(5000);
      await Promise.all(group.map((t) => t.close()));
    });

    it('cancels its pending receives at once when one of its sends fails', async () => {
      const group = MemoryTransport.createGroup(3);
      await group[2]!.close();
      const t0 = Date.now();
      const errs = await Promise.all([0, 1].map((r) => allReduce(group[r]!, rampInput(r, 1000), { timeoutMs: 10_000 }).catch((e: RingtrainError) => e)));
      // Rank 1's first send (to rank 2) fails; without cancellation it would wait 10 s for rank 0.
      expect(errs[1]).toMatchObject({ code: ErrorCodes.PEER_CLOSED, context: { rank: 1, peer: 2 } });
      expect(errs[0]).toMatchObject({ code: ErrorCodes.PEER_CLOSED, context: { rank: 0, peer: 2 } });
      expect(Date.now() - t0).toBeLessThan(2000);
      await Promise.all(group.map((t) => t.close()));
    });

    it('times out with E_TIMEOUT when a peer stalls', async () => {
      const group = MemoryTransport.createGroup(2);
      const err = (await allReduce(group[0]!, new Float32Array(10), { timeoutMs: 100 }).catch((e) => e)) as RingtrainError;
      expect(err.code).toBe(ErrorCodes.TIMEOUT);
      expect(err.context).toMatchObject({ rank: 0, peer: 1, step: 0 });
      await Promise.all(group.map((t) => t.close()));
    });

    it('aborts through its AbortSignal', async () => {
      const group = MemoryTransport.createGroup(2);
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(), 20);
      await expect(allReduce(group[0]!, new Float32Array(10), { signal: ctl.signal })).rejects.toMatchObject({ code: ErrorCodes.ABORTED });
      await Promise.all(group.map((t) => t.close()));
    });
  });
});

describe('allReduce and the caller\'s signal', () => {
  it('leaves no listener on a long-lived signal after it returns (one run signal serves every step)', async () => {
    const group = MemoryTransport.createGroup(3);
    const run = new AbortController();
    for (let step = 0; step < 20; step++) {
      await Promise.all(group.map((t) => allReduce(t, new Float32Array(7).fill(t.rank), { tag: { step, bucket: 0 }, signal: run.signal })));
    }
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  });
});
