// A worker's communication thread over a run: the ranks agree on where the gradients are averaged, and fall back
// to the main threads together when one rank has no thread.

import { allocateSimdBuffer } from '@ringtrain/simd';
import { MemoryTransport } from '@ringtrain/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerCommThread } from '../src/comm-thread/worker-comm-thread.js';

// As in comm-thread.test.ts: the CLI's module hooks let the thread load the TypeScript sources.
const HOOKS = new URL('../../../apps/cli/bin/register-hooks.mjs', import.meta.url).href;
const plane = { token: undefined, host: '127.0.0.1', advertiseHost: undefined, localSockets: true, sharedMemory: true, connectTimeoutMs: 5_000, tls: undefined };
const ring = [0, 1].map((rank) => ({ rank, host: '127.0.0.1', port: 1 }));
const wait = { timeoutMs: 10_000 };

let threads: WorkerCommThread[] = [];
afterEach(async () => {
  await Promise.all(threads.map((thread) => thread.close()));
  threads = [];
});

/** Two ranks' threads (with the given module hooks) joined over an in-memory main ring; their logs and reducers. */
async function joinBoth(hooks: [string | undefined, string | undefined]) {
  const logs: string[][] = [[], []];
  threads = hooks.map((moduleHooks, rank) => new WorkerCommThread({ plane, moduleHooks, onError: () => undefined, log: (line) => logs[rank]!.push(line) }));
  const transports = MemoryTransport.createGroup(2);
  const vector = { synced: allocateSimdBuffer(8), maxInFlight: 2 };
  const reducers = await Promise.all(threads.map((thread, rank) => thread.join(transports[rank]!, ring[1 - rank]!, 0, vector, wait)));
  return { logs, reducers };
}

describe('WorkerCommThread', () => {
  it('joins every rank to the threads\' ring and hands out their all-reduce', async () => {
    const { logs, reducers } = await joinBoth([HOOKS, HOOKS]);
    expect(reducers.every((reduce) => reduce !== undefined)).toBe(true);
    for (const lines of logs) expect(lines).toEqual([expect.stringMatching(/^gradient buckets averaged on the communication thread \(its data plane on port \d+\)$/)]);
    const buffers = [allocateSimdBuffer(3).fill(1), allocateSimdBuffer(3).fill(5)];
    await Promise.all(reducers.map((reduce, rank) => reduce!(buffers[rank]!, { step: 0, bucket: 0, wireDtype: 'float32', timeoutMs: 10_000 })));
    expect([...buffers[0]!, ...buffers[1]!]).toEqual([3, 3, 3, 3, 3, 3]);
    await Promise.all(threads.map((thread) => thread.leave()));
  });

  it('falls back to the main threads on every rank when one rank\'s thread cannot start', async () => {
    // Without module hooks the thread cannot load its TypeScript entry: rank 1 has no thread, so neither rank uses one.
    const { logs, reducers } = await joinBoth([HOOKS, undefined]);
    expect(reducers).toEqual([undefined, undefined]);
    expect(logs[1]![0]).toMatch(/^--comm-thread: the communication thread did not start \(E_WORKER_FAILED: /);
    for (const lines of logs) expect(lines.at(-1)).toBe('--comm-thread: not every rank has a communication thread; the main threads average the gradients');
  });
});
