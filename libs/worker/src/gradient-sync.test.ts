import { describe, expect, it } from 'vitest';
import { MemoryTransport, type MessageTag, type Transport } from '@ringtrain/transport';
import { planBuckets } from './gradient-buckets.js';
import { GradientSync } from './gradient-sync.js';

/** A transport that records the bucket of every send as it is made. */
function spying(t: Transport, sent: number[]): Transport {
  return new Proxy(t, {
    get(target, key, receiver) {
      if (key === 'send') return (peer: number, tag: MessageTag, payload: Uint8Array) => (sent.push(tag.bucket), target.send(peer, tag, payload));
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('GradientSync', () => {
  // Tensors [0,3) [3,5) [5,9) [9,10); buckets of 5 elements from the end: bucket 0 = [5,10) (tensors 2, 3),
  // bucket 1 = [0,5) (tensors 0, 1).
  const sizes = [3, 2, 4, 1];
  const tensors = [{ start: 0, end: 3 }, { start: 3, end: 5 }, { start: 5, end: 9 }, { start: 9, end: 10 }];
  const buckets = planBuckets(sizes, 5 * 4);

  it('starts a bucket the moment its last tensor is announced, and averages every bucket', async () => {
    const group = MemoryTransport.createGroup(2);
    const sent: number[][] = [[], []];
    // Rank r's element i holds (r + 1)·i: the average is 1.5·i.
    const flats = [0, 1].map((r) => Float32Array.from({ length: 10 }, (_, i) => (r + 1) * i));
    const syncs = [0, 1].map((r) => new GradientSync(spying(group[r]!, sent[r]!), flats[r]!, buckets, tensors, { wireDtype: 'float32', timeoutMs: 5000 }));
    syncs.forEach((s) => s.begin(7));
    const rank0 = syncs[0]!;
    rank0.tensorReady(3);
    expect(sent[0]).toEqual([]); // bucket 0 still waits for tensor 2
    rank0.tensorReady(2);
    expect(sent[0]).toEqual([0]); // its first chunk went out synchronously, during "the backward pass"
    rank0.tensorReady(1);
    rank0.tensorReady(0);
    expect(sent[0]).toEqual([0, 1]);
    await Promise.all(syncs.map((s) => s.finish())); // rank 1 announced nothing: finish launches all its buckets
    for (const flat of flats) expect([...flat]).toEqual(Array.from({ length: 10 }, (_, i) => 1.5 * i));
  });

  it('fails every bucket when one fails, with the transport error', async () => {
    const [a] = MemoryTransport.createGroup(2);
    const flat = new Float32Array(10);
    const sync = new GradientSync(a!, flat, buckets, tensors, { wireDtype: 'float32', timeoutMs: 50 });
    sync.begin(0);
    await expect(sync.finish()).rejects.toMatchObject({ code: 'E_TIMEOUT' });
  });
});
