// The collectives over the real WebSocket transport (in one process, on loopback): the streaming
// receive path, gating and the pull links together, checked against closed-form results.
import { describe, expect, it } from 'vitest';
import { allGather, allocateReduceBuffer, allReduce, broadcast, releaseReduceBuffer } from '@ringtrain/collective';
import { WebSocketTransport } from '@ringtrain/transport-ws';

async function group(n: number) {
  const ts = await Promise.all(Array.from({ length: n }, (_, rank) => WebSocketTransport.listen({ rank, worldSize: n, token: 't' })));
  for (const t of ts) t.setPeers(ts.map((x) => x.address));
  return ts;
}

const ramp = (rank: number, length: number) => Float32Array.from({ length }, (_, i) => (rank + 1) * ((i % 251) + 1));

describe('collectives over WebSocketTransport', () => {
  for (const n of [2, 3, 4]) {
    it(`all-reduces 4M floats exactly on ${n} ranks, with segments split across reads`, async () => {
      const ts = await group(n);
      try {
        const length = (1 << 22) + 3; // not a multiple of N, 4 or the segment size
        const outs = await Promise.all(ts.map((t) => allReduce(t, ramp(t.rank, length), { op: 'average', segmentBytes: 300_000 })));
        const factor = (n + 1) / 2;
        for (const out of outs) for (let i = 0; i < length; i += 997) expect(out[i]).toBe(((i % 251) + 1) * factor);
        for (const out of outs) expect(Buffer.from(out.buffer).equals(Buffer.from(outs[0]!.buffer))).toBe(true);
      } finally {
        await Promise.all(ts.map((t) => t.close()));
      }
    }, 60_000);
  }

  for (const n of [2, 4]) {
    it(`all-reduces buffers in the reduction memory in place on ${n} ranks (received bytes landed next to them)`, async () => {
      const ts = await group(n);
      const buffers = ts.map(() => allocateReduceBuffer((1 << 20) + 5));
      try {
        buffers.forEach((b, rank) => b.set(ramp(rank, b.length)));
        const outs = await Promise.all(ts.map((t) => allReduce(t, buffers[t.rank]!, { op: 'sum', segmentBytes: 200_000 })));
        const factor = (n * (n + 1)) / 2;
        outs.forEach((out, rank) => expect(out).toBe(buffers[rank]));
        for (const out of outs) for (let i = 0; i < out.length; i += 991) expect(out[i]).toBe(((i % 251) + 1) * factor);
        for (const out of outs) expect(Buffer.from(out.buffer, out.byteOffset, out.byteLength).equals(Buffer.from(outs[0]!.buffer, outs[0]!.byteOffset, outs[0]!.byteLength))).toBe(true);
      } finally {
        buffers.forEach(releaseReduceBuffer);
        await Promise.all(ts.map((t) => t.close()));
      }
    }, 60_000);
  }

  it('broadcasts and all-gathers, with float16 on the wire as well', async () => {
    const ts = await group(3);
    try {
      const b = await Promise.all(ts.map((t) => broadcast(t, t.rank === 2 ? ramp(2, 100_001) : new Float32Array(100_001), 2, { segmentBytes: 65_536 })));
      for (const out of b) expect(out).toEqual(ramp(2, 100_001));
      const g = await Promise.all(ts.map((t) => allGather(t, ramp(t.rank, 1000), { wireDtype: 'float16' })));
      for (const out of g) for (let r = 0; r < 3; r++) expect(out.subarray(r * 1000, (r + 1) * 1000)).toEqual(ramp(r, 1000));
      // float32 blocks land in the output directly, in segments split across reads.
      const g32 = await Promise.all(ts.map((t) => allGather(t, ramp(t.rank, 300_007), { segmentBytes: 100_000 })));
      for (const out of g32) for (let r = 0; r < 3; r++) expect(Buffer.from(out.buffer, r * 300_007 * 4, 300_007 * 4).equals(Buffer.from(ramp(r, 300_007).buffer))).toBe(true);
    } finally {
      await Promise.all(ts.map((t) => t.close()));
    }
  });
});
