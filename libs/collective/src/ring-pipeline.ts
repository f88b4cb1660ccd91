// The engine shared by all-reduce and all-gather (gloo's ring, pipelined by segment).
//
// Every rank first sends its own chunk (index = rank) to the right. Then, for stage k = 0, 1, ...,
// it receives chunk c_k = (rank - k - 1) mod N from the left, segment by segment, combines each
// segment into its buffer, and immediately forwards that segment to the right as stage k+1 - so
// sending segment j overlaps receiving and reducing segment j+1. All-reduce runs 2(N-1) stages
// (N-1 reduce-scatter stages that add, then N-1 all-gather stages that copy); all-gather runs N-1
// copy stages. The same formula c_k serves both halves because (rank - k - 1) mod N wraps around.
//
// Received bytes take the shortest way in: copy stages of float32 data land in the buffer itself, and
// combining stages land in one region of the SIMD memory (one is enough: every message of a ring
// comes from the left neighbour, one after the other) from where the SIMD kernel adds them in place.

import { RingtrainError } from '@ringtrain/common';
import type { Transport } from '@ringtrain/transport';
import { chunkBounds, mod, segmentsOf, type Segment } from './chunking.js';
import { gatedSink, segmentSink } from './apply-sink.js';
import { InflightSends } from './inflight-sends.js';
import { SendQueue } from './send-queue.js';
import type { ResolvedOptions } from './options.js';
import { simdMemory } from '@ringtrain/simd';
import { wireFormat, type WireFormat } from './wire-format.js';

export interface RingSpec {
  transport: Transport;
  /** The buffer every stage works on, in place. */
  data: Float32Array;
  /** Message phase byte (see Phase). */
  phase: number;
  /** Operation name for error messages. */
  what: string;
  opts: ResolvedOptions;
  stages: number;
  /** Combines a received segment into `dst` at stage `stage`. */
  apply(stage: number, dst: Float32Array, payload: Uint8Array, wire: WireFormat): void;
  /** True for stages whose apply() only overwrites dst with the received values. */
  assigns(stage: number): boolean;
  /** Names a stage for error messages (e.g. "reduce-scatter 2/3"). */
  describeStage(stage: number): string;
}

/**
 * Bytes one read may land at a time in a combining stage: the kernel then finds them in cache. Each ring in
 * flight holds one such region of the SIMD memory.
 */
export const LANDING_BYTES = 256 << 10;

export async function runRing(spec: RingSpec): Promise<void> {
  const { transport: t, data, opts } = spec;
  const n = t.worldSize;
  const right = mod(t.rank + 1, n);
  const left = mod(t.rank - 1, n);
  const wire = wireFormat(opts.wireDtype);
  const segElems = Math.max(1, Math.floor(opts.segmentBytes / wire.bytesPerElement));
  const layout: Segment[][] = Array.from({ length: n }, (_, c) => segmentsOf(chunkBounds(data.length, n, c), segElems));
  const maxSegs = Math.max(0, ...layout.map((segs) => segs.length));
  // A plain literal, not a spread of opts.tag: called for every message, and V8 copies a spread field by field.
  const { step, bucket } = opts.tag;
  const tagOf = (stage: number, seg: number) => ({ step, bucket, phase: spec.phase, chunk: stage * maxSegs + seg });
  const inflight = new InflightSends(opts.wait.signal);
  const wait = { ...opts.wait, signal: inflight.signal };
  // Once the collective is over (failed, or released), queued sends of its buffer fail without starting.
  const queue = new SendQueue(inflight.signal);
  const send = (stage: number, chunk: number, j: number): void => {
    const seg = layout[chunk]![j]!;
    const encode = () => wire.encode(data.subarray(seg.start, seg.end));
    inflight.add(chunk * maxSegs + j, queue.push(() => t.send(right, tagOf(stage, j), encode(), opts.wait)));
  };

  // Every receive of every stage is posted up front, so a streaming transport always finds one waiting
  // and combines the bytes as they come. Regions an earlier send may still be reading are gated: their
  // bytes are held until that send has released the region.
  const landing = simdMemory.allocateBytes(LANDING_BYTES);
  const sinks: Array<ReturnType<typeof gatedSink>> = [];
  const posted = Array.from({ length: spec.stages }, (_, stage) => {
    const chunk = mod(t.rank - stage - 1, n);
    return layout[chunk]!.map((seg, j) => {
      const key = chunk * maxSegs + j;
      const combine = spec.assigns(stage) ? 'assign' : (dst: Float32Array, bytes: Uint8Array) => spec.apply(stage, dst, bytes, wire);
      const sink = gatedSink(segmentSink(data.subarray(seg.start, seg.end), wire, combine, landing), () => inflight.isBusy(key));
      sinks.push(sink);
      const received = t.recvInto(left, tagOf(stage, j), sink, wait);
      received.catch(() => undefined); // awaited in order below; a failure must not go unhandled meanwhile
      return { key, sink, received };
    });
  });

  let stage = 0;
  try {
    for (let j = 0; j < layout[t.rank]!.length; j++) send(0, t.rank, j);
    for (; stage < spec.stages; stage++) {
      const chunk = mod(t.rank - stage - 1, n);
      for (const [j, { key, sink, received }] of posted[stage]!.entries()) {
        await received;
        await inflight.released(key);
        sink.flush();
        if (stage + 1 < spec.stages) send(stage + 1, chunk, j);
      }
    }
    await inflight.drain();
  } catch (caught) {
    const err = inflight.failure ?? caught;
    const ctx = { rank: t.rank, peer: left, step: opts.tag.step, phase: `${spec.what} ${spec.describeStage(stage)}` };
    throw err instanceof RingtrainError ? err.withContext(ctx) : err;
  } finally {
    inflight.release();
    // After a failure the transport may go on feeding receives it claimed: cut them off. A region one of
    // them handed out can still be filled by a pending read: then the landing region is left to that read
    // rather than handed to the next collective.
    const stillOpen = sinks.map((sink) => sink.detach()).some(Boolean);
    if (!stillOpen) simdMemory.release(landing);
  }
}
