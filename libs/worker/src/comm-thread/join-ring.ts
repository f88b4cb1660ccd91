// Each ring generation, the communication threads form a ring of their own, in the same order as the main
// threads': every thread's data plane listens on a port of its own, which its rank tells the others over the
// main ring (an allGather), on the host the ring already announces for that rank.

import { allGather } from '@ringtrain/collective';
import type { RingMember } from '@ringtrain/protocol';
import type { Transport } from '@ringtrain/transport';
import { COMM_THREAD_PORTS_BUCKET } from '../message-tags.js';
import type { CommThread } from './comm-thread.js';

/**
 * Joins `thread` to the generation `t` belongs to, receiving from `left` (the neighbour as the coordinator announced
 * it), if every rank has a live thread (this one says it has none with port 0); returns whether they all do. Every
 * rank of a --comm-thread run calls it, so they agree on where the gradients are averaged.
 */
export async function joinThreadRing(
  thread: CommThread | undefined,
  t: Transport,
  left: RingMember,
  generation: number,
  opts: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<boolean> {
  const own = thread?.alive ? thread.port : 0;
  const ports = await allGather(t, new Float32Array([own]), { tag: { step: 0, bucket: COMM_THREAD_PORTS_BUCKET }, ...opts });
  if (thread === undefined || ports.includes(0)) return false;
  thread.join({ rank: t.rank, worldSize: t.worldSize, generation }, { rank: left.rank, host: left.host, port: ports[left.rank]! });
  return true;
}
