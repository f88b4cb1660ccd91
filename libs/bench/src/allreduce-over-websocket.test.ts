// The collectives over the real WebSocket transport (in one process, on loopback): the streaming
// receive path, gating and the pull links together, checked against closed-form results.
import { describe, expect, it } from 'vitest';
import { allGather, allReduce, broadcast } from '@ringtrain/collective';
import { allocateSimdBuffer, releaseSimdBuffer } from '@ringtrain/simd';
import { encodeFrameHeader } from '@ringtrain/protocol';
import { WebSocketTransport } from '@ringtrain/transport-ws';
import type WebSocket from 'ws';

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
    it(`all-reduces buffers in the SIMD memory in place on ${n} ranks (received bytes landed next to them)`, async () => {
      const ts = await group(n);
      const buffers = ts.map(() => allocateSimdBuffer((1 << 20) + 5));
      try {
        buffers.forEach((b, rank) => b.set(ramp(rank, b.length)));
        const outs = await Promise.all(ts.map((t) => allReduce(t, buffers[t.rank]!, { op: 'sum', segmentBytes: 200_000 })));
        const factor = (n * (n + 1)) / 2;
        outs.forEach((out, rank) => expect(out).toBe(buffers[rank]));
        for (const out of outs) for (let i = 0; i < out.length; i += 991) expect(out[i]).toBe(((i % 251) + 1) * factor);
        for (const out of outs) expect(Buffer.from(out.buffer, out.byteOffset, out.byteLength).equals(Buffer.from(outs[0]!.buffer, outs[0]!.byteOffset, outs[0]!.byteLength))).toBe(true);
      } finally {
        await Promise.all(ts.map((t) => t.close())); // first: a closed link writes into no buffer any more
        buffers.forEach(releaseSimdBuffer);
      }
    }, 60_000);
  }

  it('after a failed all-reduce, bytes still arriving for it reach neither its buffer nor memory allocated since', async () => {
    const [a, b] = await group(2);
    try {
      await Promise.all([a!.connect([1]), b!.connect([0])]);
      const n = 200_000;
      const data = new Float32Array(n).fill(1);
      const failed = allReduce(b!, data, { timeoutMs: 300 });
      // Rank 0 sends only the header fragment of its stage-0 message (chunk 0: n/2 floats): rank 1 claims the
      // receive, then times out waiting for the body. (The link rank 0 sends on, reached through a private field.)
      const link = (a as unknown as { sendLinks: Map<number, WebSocket> }).sendLinks.get(1)!;
      const payloadBytes = (n / 2) * 4;
      link.send(encodeFrameHeader({ generation: 0, step: 0, bucket: 0, phase: 1, chunk: 0, payloadBytes }), { binary: true, fin: false });
      await expect(failed).rejects.toMatchObject({ code: 'E_TIMEOUT' });
      const other = allocateSimdBuffer(65_536); // the size of the ring's landing region: it would get it back
      link.send(Buffer.alloc(payloadBytes, 0x41), { binary: true, fin: true }); // the body arrives late
      await new Promise((r) => setTimeout(r, 300));
      expect(other.every((x) => x === 0)).toBe(true);
      expect(data.every((x) => x === 1)).toBe(true);
      releaseSimdBuffer(other);
    } finally {
      await Promise.all([a!.close(), b!.close()]);
    }
  });

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
