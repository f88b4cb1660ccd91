import { CollectiveError, ErrorCodes, RingtrainError } from '@ringtrain/common';
import { gatedSink, segmentSink } from './apply-sink.js';
import type { Transport } from '@ringtrain/transport';
import { chunkBounds, mod } from './chunking.js';
import { InflightSends } from './inflight-sends.js';
import { requireFloat32, resolveOptions, type CollectiveOptions } from './options.js';
import { Phase } from './phases.js';
import { wireFormat } from './wire-format.js';

/**
 * Copies `data` from `root` into `data` on every rank, in place, along the ring as a pipelined chain
 * (root -> root+1 -> ... -> root-1), segment by segment: each link carries the buffer once, so the
 * time approaches one buffer transfer plus N-2 segment latencies. Used to send initial weights from
 * rank 0. With float16 on the wire the root's own buffer is rounded too, so all ranks agree. Returns `data`.
 */
export async function broadcast(t: Transport, data: Float32Array, root: number, opts: CollectiveOptions = {}): Promise<Float32Array> {
  const what = 'broadcast';
  requireFloat32(t, what, data);
  const n = t.worldSize;
  if (!Number.isInteger(root) || root < 0 || root >= n) {
    throw new CollectiveError(ErrorCodes.COLLECTIVE_MISUSE, `${what}: root must be a rank in [0, ${n}), got ${root}`, { rank: t.rank });
  }
  const o = resolveOptions(t, what, opts);
  const wire = wireFormat(o.wireDtype);
  const distance = mod(t.rank - root, n);
  if (distance === 0) wire.quantize(data);
  if (n === 1) return data;
  const segElems = Math.max(1, Math.floor(o.segmentBytes / wire.bytesPerElement));
  const count = Math.ceil(data.length / segElems);
  const right = mod(t.rank + 1, n);
  const left = mod(t.rank - 1, n);
  const tagOf = (j: number) => ({ ...o.tag, phase: Phase.BROADCAST, chunk: j });
  const inflight = new InflightSends(o.wait.signal);
  const wait = { ...o.wait, signal: inflight.signal };
  const segment = (j: number) => {
    const seg = chunkBounds(data.length, count, j);
    return data.subarray(seg.start, seg.end);
  };
  const sinks: Array<ReturnType<typeof gatedSink>> = [];
  try {
    // Every receive is posted up front (the segments are disjoint), so a streaming transport places the
    // bytes straight into the buffer.
    const received = distance === 0 ? [] : Array.from({ length: count }, (_, j) => {
      // Never gated (the segments are disjoint), but cut off when the broadcast ends (see gatedSink).
      const sink = gatedSink(segmentSink(segment(j), wire, 'assign'), () => false);
      sinks.push(sink);
      const p = t.recvInto(left, tagOf(j), sink, wait);
      p.catch(() => undefined); // awaited in order below
      return p;
    });
    for (let j = 0; j < count; j++) {
      if (distance > 0) await received[j];
      if (distance < n - 1) inflight.add(j, t.send(right, tagOf(j), wire.encode(segment(j)), o.wait));
    }
    await inflight.drain();
  } catch (caught) {
    const err = inflight.failure ?? caught;
    const ctx = { rank: t.rank, peer: left, step: o.tag.step, phase: `${what} from root ${root}` };
    throw err instanceof RingtrainError ? err.withContext(ctx) : err;
  } finally {
    inflight.release();
    for (const sink of sinks) sink.detach();
  }
  return data;
}
