import { RingtrainError } from '@ringtrain/common';
import type { Transport } from '@ringtrain/transport';
import { mod } from './chunking.js';
import { InflightSends } from './inflight-sends.js';
import { resolveOptions, type CollectiveOptions } from './options.js';
import { Phase } from './phases.js';

/**
 * Returns once every rank has entered the barrier. N-1 rounds of empty messages around the ring: the
 * message a rank receives in round k was sent after its left neighbour received round k-1, so after
 * round N-2 a chain of receipts reaches back to every other rank's entry.
 */
export async function barrier(t: Transport, opts: Omit<CollectiveOptions, 'segmentBytes' | 'wireDtype'> = {}): Promise<void> {
  const o = resolveOptions(t, 'barrier', opts);
  const n = t.worldSize;
  const right = mod(t.rank + 1, n);
  const left = mod(t.rank - 1, n);
  const empty = new Uint8Array(0);
  const inflight = new InflightSends(o.wait.signal);
  const wait = { ...o.wait, signal: inflight.signal };
  try {
    for (let k = 0; k < n - 1; k++) {
      const tag = { ...o.tag, phase: Phase.BARRIER, chunk: k };
      inflight.add(k, t.send(right, tag, empty, o.wait));
      await t.recv(left, tag, wait);
    }
    await inflight.drain();
  } catch (caught) {
    const err = inflight.failure ?? caught;
    const ctx = { rank: t.rank, peer: left, step: o.tag.step, phase: 'barrier' };
    throw err instanceof RingtrainError ? err.withContext(ctx) : err;
  } finally {
    inflight.release();
  }
}
