// Each ring generation, the communication threads form a ring of their own, in the same order as the main
// threads': every thread's data plane listens on a port of its own, which its rank tells the others over the
// main ring (an allGather), on the host the ring already announces for that rank.

import { allGather } from '@ringtrain/collective';
import type { RingMember } from '@ringtrain/protocol';
import type { Transport } from '@ringtrain/transport';
import { COMM_THREAD_PORTS_BUCKET } from '../message-tags.js';
import type { CommThread } from './comm-thread.js';

/**
 * Joins `thread` to the generation `t` belongs to (`ring` as the coordinator announced it), if every rank has a
 * thread (undefined: this one has none, and says so with port 0); returns whether they all do. Every rank of a
 * --comm-thread run calls it, so they agree on where the gradients are averaged.
 */
export async function joinThreadRing(
  thread: CommThread | undefined,
  t: Transport,
  ring: readonly RingMember[],
  generation: number,
  opts: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<boolean> {
  const n = t.worldSize;
  const ports = await allGather(t, new Float32Array([thread?.port ?? 0]), { tag: { step: 0, bucket: COMM_THREAD_PORTS_BUCKET }, ...opts });
  if (thread === undefined || ports.includes(0)) return false;
  const index = ring.findIndex((member) => member.rank === t.rank);
  const left = ring[(index - 1 + n) % n]!;
  thread.join({ rank: t.rank, worldSize: n, generation }, n > 1 ? { rank: left.rank, host: left.host, port: ports[left.rank]! } : undefined);
  return true;
}
