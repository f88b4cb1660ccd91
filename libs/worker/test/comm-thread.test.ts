// The communication thread on its own: two threads of this process form a ring on loopback and average buffers of
// the SIMD memory in place, as two workers' threads do; failures come back as the same error classes.

import { AbortedError, CollectiveError, ErrorCodes, TimeoutError, TransportError } from '@ringtrain/common';
import { allocateSimdBuffer } from '@ringtrain/simd';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseLocalSockets, chooseSharedMemory } from '@ringtrain/transport-ws';
import { CommThread } from '../src/comm-thread/comm-thread.js';

// vitest loads this file's TypeScript itself; a thread needs module hooks of its own to load the sources: the
// ones the CLI gives its workers' threads (a file, not an import: the CLI app is no dependency of this lib).
const HOOKS = new URL('../../../apps/cli/bin/register-hooks.mjs', import.meta.url).href;
const plane = { token: 'secret', host: '127.0.0.1', advertiseHost: undefined, localSockets: true, sharedMemory: true, connectTimeoutMs: 5_000, tls: undefined };
/** Ranks from which each started thread (in start order) said payloads arrive through shared memory. */
let sharedFrom: number[][] = [];
const start = () => {
  const from: number[] = [];
  sharedFrom.push(from);
  return CommThread.start({ plane, moduleHooks: HOOKS, maxInFlight: 4, timeoutMs: 30_000, onSharedMemory: (rank) => from.push(rank) });
};
const reduceOpts = (bucket: number, extra: { timeoutMs?: number; signal?: AbortSignal } = {}) => ({ step: 3, bucket, wireDtype: 'float32' as const, timeoutMs: 10_000, ...extra });

let threads: CommThread[] = [];
afterEach(async () => {
  await Promise.all(threads.map((thread) => thread.close()));
  threads = [];
  sharedFrom = [];
});

/** Two started threads joined in one ring: rank 0 receives from rank 1 and rank 1 from rank 0. */
async function ringOfTwo(): Promise<[CommThread, CommThread]> {
  threads = await Promise.all([start(), start()]);
  const [a, b] = threads as [CommThread, CommThread];
  a.join({ rank: 0, worldSize: 2, generation: 0 }, { rank: 1, host: '127.0.0.1', port: b.port });
  b.join({ rank: 1, worldSize: 2, generation: 0 }, { rank: 0, host: '127.0.0.1', port: a.port });
  return [a, b];
}

describe('CommThread', () => {
  it('averages buckets of the SIMD memory in place across two threads, several buckets in flight at once', async () => {
    const [a, b] = await ringOfTwo();
    // Rank r holds (r + 1)·(i + 1): the average is 1.5·(i + 1), exact in float32 for these sizes. 2.5 M floats take
    // several 4 MiB segments; the small bucket has an odd length.
    const lengths = [2_500_000, 1_001];
    const buffers = [0, 1].map((rank) =>
      lengths.map((length) => {
        const buffer = allocateSimdBuffer(length); // filled in place: map() would make a copy on the heap
        for (let i = 0; i < length; i++) buffer[i] = (rank + 1) * (i + 1);
        return buffer;
      }),
    );
    await Promise.all([a, b].flatMap((thread, rank) => lengths.map((_, bucket) => thread.allReduce(buffers[rank]![bucket]!, reduceOpts(bucket)))));
    for (const rank of [0, 1]) {
      lengths.forEach((length, bucket) => {
        const got = buffers[rank]![bucket]!;
        expect(got.length).toBe(length);
        for (let i = 0; i < length; i += 997) expect(got[i]).toBe(1.5 * (i + 1));
        expect(got[length - 1]).toBe(1.5 * length);
      });
    }
  });

  it("takes shared slots on its Unix socket links where this machine has them (its arena has room for its links')", async (ctx) => {
    if (!chooseSharedMemory(true, chooseLocalSockets(true).use).use) ctx.skip();
    const [a, b] = await ringOfTwo();
    const buffers = [a, b].map(() => allocateSimdBuffer(1 << 20)); // 4 MiB: a 2 MiB chunk per rank, one slot payload
    // The offer may reach the other thread after the first all-reduce's messages: a few rounds, bounded.
    for (let round = 0; round < 20 && sharedFrom.some((from) => from.length === 0); round++) {
      await Promise.all([a.allReduce(buffers[0]!, reduceOpts(round)), b.allReduce(buffers[1]!, reduceOpts(round))]);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(sharedFrom).toEqual([[1], [0]]);
  });

  it('completes a ring while the main thread is blocked in synchronous work, as during a tfjs backward pass', async () => {
    const [a, b] = await ringOfTwo();
    const length = 1_000_000;
    const buffers = [0, 1].map((rank) => {
      const buffer = allocateSimdBuffer(length);
      buffer.fill(rank + 1);
      return buffer;
    });
    const done = Promise.all([a.allReduce(buffers[0]!, reduceOpts(0)), b.allReduce(buffers[1]!, reduceOpts(0))]);
    // This thread's event loop does not run from here until the loop ends: only the threads can move the ring on.
    const deadline = Date.now() + 20_000;
    const averaged = () => buffers.every((buffer) => buffer[0] === 1.5 && buffer[length >> 1] === 1.5 && buffer[length - 1] === 1.5);
    while (!averaged() && Date.now() < deadline);
    expect(averaged()).toBe(true);
    await done;
    for (const buffer of buffers) expect(buffer.every((x) => x === 1.5)).toBe(true);
  });

  it('fails an all-reduce with the error classes of the thread: a timeout, an abort, a generation left', async () => {
    const [a] = await ringOfTwo(); // rank 1 never takes part
    await expect(a.allReduce(allocateSimdBuffer(64), reduceOpts(0, { timeoutMs: 300 }))).rejects.toBeInstanceOf(TimeoutError);

    // An abort cancels what is in flight, and the rest of the generation: a failed step is followed by a new ring.
    const stop = new AbortController();
    const aborted = a.allReduce(allocateSimdBuffer(64), reduceOpts(1, { signal: stop.signal }));
    stop.abort(new AbortedError('the ring re-forms', { rank: 0 }));
    // The ring's own error for the cancelled receive, with its context, as on the main thread.
    await expect(aborted).rejects.toSatisfy((err) => err instanceof AbortedError && err.context.rank === 0 && err.context.peer === 1 && err.context.step === 3);
    await expect(a.allReduce(allocateSimdBuffer(64), reduceOpts(2))).rejects.toMatchObject({ code: ErrorCodes.ABORTED });

    // A new generation reduces again; leaving it fails what is pending.
    const b = threads[1]!;
    await Promise.all([a.leave(), b.leave()]);
    a.join({ rank: 0, worldSize: 2, generation: 1 }, { rank: 1, host: '127.0.0.1', port: b.port });
    b.join({ rank: 1, worldSize: 2, generation: 1 }, { rank: 0, host: '127.0.0.1', port: a.port });
    const [x, y] = [allocateSimdBuffer(5).fill(2), allocateSimdBuffer(5).fill(4)];
    await Promise.all([a.allReduce(x, reduceOpts(3)), b.allReduce(y, reduceOpts(3))]);
    expect([...x, ...y]).toEqual(Array(10).fill(3));
    const pending = a.allReduce(allocateSimdBuffer(64), reduceOpts(4)).then(() => 'resolved', (err: unknown) => err); // fails during leave()
    await a.leave();
    expect(await pending).toMatchObject({ code: ErrorCodes.ABORTED });
    // Outside a generation there is no ring to reduce on.
    await expect(a.allReduce(allocateSimdBuffer(64), reduceOpts(5))).rejects.toSatisfy((err) => err instanceof TransportError && err.code === ErrorCodes.CLOSED);
  });

  it('refuses a buffer outside the SIMD memory, and every call after close()', async () => {
    const [a] = await ringOfTwo();
    expect(CommThread.canReduce(new Float32Array(8))).toBe(false);
    expect(CommThread.canReduce(allocateSimdBuffer(8))).toBe(true);
    await expect(a.allReduce(new Float32Array(8), reduceOpts(0))).rejects.toSatisfy((err) => err instanceof CollectiveError && err.code === ErrorCodes.COLLECTIVE_MISUSE);
    expect(a.alive).toBe(true);
    await a.close();
    await a.close(); // idempotent
    expect(a.alive).toBe(false);
    // Not a broken ring (no reform would help): the thread is gone.
    await expect(a.allReduce(allocateSimdBuffer(8), reduceOpts(1))).rejects.toMatchObject({ code: ErrorCodes.WORKER_FAILED });
    await expect(a.leave()).rejects.toMatchObject({ code: ErrorCodes.WORKER_FAILED });
  });
});
