// One benchmark worker process: listens on loopback, learns its peers from the orchestrator, checks
// that all-reduce gives the exact closed-form result for every size, then times it.

import { once } from 'node:events';
import { allReduce, barrier } from '@ringtrain/collective';
import { allocateSimdBuffer, releaseSimdBuffer } from '@ringtrain/simd';
import { WebSocketTransport } from '@ringtrain/transport-ws';
import { defaultIters } from './results.js';
import type { BenchWorkerConfig, FromWorker, ToWorker } from './worker-protocol.js';

export interface WorkerChannel {
  send(msg: FromWorker): void;
  /** Resolves with the next message from the orchestrator. */
  next(): Promise<ToWorker>;
}

/** The node IPC channel of a process started with an 'ipc' stdio slot. */
export function processChannel(): WorkerChannel {
  if (!process.send) throw new Error('the benchmark worker must be started by `ringtrain bench` (no IPC channel)');
  return {
    send: (msg) => void process.send!(msg),
    next: async () => (await once(process, 'message'))[0] as ToWorker,
  };
}

const rssMib = (): number => process.resourceUsage().maxRSS / 1024;

/**
 * Fills data with x_r[i] = (r+1) * (i mod 251 + 1), sums it, and checks every element against
 * (i mod 251 + 1) * N(N+1)/2 - exact in float32, so any corruption or misrouting shows.
 */
async function verify(t: WebSocketTransport, data: Float32Array, cfg: BenchWorkerConfig): Promise<void> {
  for (let i = 0; i < data.length; i++) data[i] = (t.rank + 1) * ((i % 251) + 1);
  await allReduce(t, data, { op: 'sum', timeoutMs: cfg.timeoutMs, wireDtype: 'float32', segmentBytes: cfg.segmentBytes });
  const factor = (cfg.worldSize * (cfg.worldSize + 1)) / 2;
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== ((i % 251) + 1) * factor) throw new Error(`all-reduce result wrong at element ${i}: ${data[i]} != ${((i % 251) + 1) * factor}`);
  }
}

export async function runBenchWorker(cfg: BenchWorkerConfig, channel: WorkerChannel, token: string | undefined): Promise<void> {
  const t = await WebSocketTransport.listen({
    rank: cfg.rank,
    worldSize: cfg.worldSize,
    token,
    localSockets: cfg.localSockets,
    sharedMemory: cfg.sharedMemory,
    onError: (err) => process.stderr.write(`[rank ${cfg.rank}] ${err.message}\n`),
    onNotice: (message) => process.stderr.write(`[rank ${cfg.rank}] ${message}\n`),
  });
  try {
    channel.send({ kind: 'listening', address: t.address });
    const { peers } = await channel.next();
    t.setPeers(peers);
    const left = (cfg.rank - 1 + cfg.worldSize) % cfg.worldSize;
    if (cfg.worldSize > 1) await t.connect([(cfg.rank + 1) % cfg.worldSize, left], { timeoutMs: cfg.timeoutMs });
    // What carries the ring's payloads into this rank: its left neighbour's link, their payloads through shared slots
    // in the timed runs of a size or not (payloads below the slots' minimum never take one).
    const route = cfg.worldSize > 1 ? await t.linkRoute(left, { timeoutMs: cfg.timeoutMs }) : 'tcp';
    const slotPayloads = (): number => (cfg.worldSize > 1 ? t.slotPayloadsFrom(left) : 0);
    const baseline = rssMib();
    const opts = { op: 'average' as const, timeoutMs: cfg.timeoutMs, wireDtype: cfg.wireDtype, segmentBytes: cfg.segmentBytes };
    for (const bytes of [...cfg.sizes].sort((a, b) => a - b)) {
      // In the SIMD memory, as a training worker's gradient buffer is: reduced in place, no staging copies.
      const data = allocateSimdBuffer(Math.floor(bytes / 4));
      await verify(t, data, cfg);
      data.fill(1);
      for (let i = 0; i < 2; i++) await allReduce(t, data, opts);
      const iters = cfg.iters ?? defaultIters(bytes);
      await barrier(t, { timeoutMs: cfg.timeoutMs });
      const slotted = slotPayloads();
      const t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < iters; i++) await allReduce(t, data, opts);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9 / iters;
      const cpu = process.cpuUsage(cpu0); // microseconds, all of this process's threads
      const links = slotPayloads() > slotted ? 'shared memory' : route;
      channel.send({ kind: 'result', bytes, seconds, peakRssOverBaselineMib: rssMib() - baseline, cpuUserMs: cpu.user / 1e3 / iters, cpuSystemMs: cpu.system / 1e3 / iters, links });
      releaseSimdBuffer(data);
    }
    await barrier(t, { timeoutMs: cfg.timeoutMs });
  } finally {
    await t.close();
  }
}
