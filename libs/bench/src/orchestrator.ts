// Runs the all-reduce benchmark: for each world size, starts that many worker processes on loopback,
// hands them each other's addresses, and combines their timings (the slowest rank's time counts).
// Children are always reaped: on error, timeout or signal they are killed, never orphaned.

import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { WireDtype } from '@ringtrain/collective';
import { DEFAULT_SEGMENT_BYTES } from '@ringtrain/collective';
import type { PeerAddress } from '@ringtrain/transport-ws';
import { makeResult, type AllReduceResult } from './results.js';
import type { BenchWorkerConfig, FromWorker } from './worker-protocol.js';

export interface AllReduceBenchOptions {
  workers: number[];
  sizes: number[];
  iters?: number | undefined;
  wireDtype?: WireDtype;
  segmentBytes?: number;
  /** Bound on each network wait inside the workers. Default 60 s. */
  timeoutMs?: number;
  /** Links over Unix domain sockets rather than TCP on loopback (DataPlaneOptions.localSockets). Default false; the CLI sets it. */
  localSockets?: boolean;
  /** With localSockets, payloads through shared slots (DataPlaneOptions.sharedMemory). Default false; the CLI sets it. */
  sharedMemory?: boolean;
  /** Bound on one world size's whole run. Default 10 min. */
  runTimeoutMs?: number;
  /**
   * Starts one worker process with an IPC channel ('ipc' in its stdio) that runs runBenchWorker with
   * `config`; `env` must be added to its environment (it carries the data-plane token).
   */
  spawnWorker(config: BenchWorkerConfig, env: Record<string, string>): ChildProcess;
  /** Called as each row is complete. */
  onResult?(row: AllReduceResult): void;
}

type Links = NonNullable<AllReduceResult['links']>;
/** The routes from the least capable up: a row reports the least capable route any worker's payloads took. */
const ROUTE_ORDER: readonly Links[] = ['tcp', 'unix socket', 'shared memory'];
const lesserRoute = (a: Links, b: Links): Links => (ROUTE_ORDER.indexOf(a) <= ROUTE_ORDER.indexOf(b) ? a : b);

async function runWorld(n: number, opts: AllReduceBenchOptions): Promise<AllReduceResult[]> {
  const sizes = [...opts.sizes].sort((a, b) => a - b);
  const env = { RINGTRAIN_TOKEN: randomBytes(24).toString('base64url') };
  const children = Array.from({ length: n }, (_, rank) =>
    opts.spawnWorker(
      { rank, worldSize: n, sizes, iters: opts.iters, wireDtype: opts.wireDtype ?? 'float32', segmentBytes: opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES, timeoutMs: opts.timeoutMs ?? 60_000,
        localSockets: opts.localSockets ?? false, sharedMemory: opts.sharedMemory ?? false },
      env,
    ),
  );
  const addresses: PeerAddress[] = [];
  const perSize = sizes.map(() => ({ seconds: 0, peak: 0, userMs: 0, systemMs: 0, reports: 0, links: 'shared memory' as Links }));
  const rows: AllReduceResult[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let exited = 0;
      const timer = setTimeout(() => reject(new Error(`benchmark with ${n} workers did not finish within ${opts.runTimeoutMs ?? 600_000} ms`)), opts.runTimeoutMs ?? 600_000);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        reject(err);
      };
      children.forEach((child, rank) => {
        child.on('message', (msg: FromWorker) => {
          if (msg.kind === 'listening') {
            addresses[rank] = msg.address;
            if (addresses.filter(Boolean).length === n) for (const c of children) c.send({ kind: 'peers', peers: addresses });
          } else if (msg.kind === 'result') {
            const i = sizes.indexOf(msg.bytes);
            const agg = perSize[i]!;
            agg.seconds = Math.max(agg.seconds, msg.seconds);
            agg.peak = Math.max(agg.peak, msg.peakRssOverBaselineMib);
            agg.userMs += msg.cpuUserMs / n;
            agg.systemMs += msg.cpuSystemMs / n;
            agg.links = lesserRoute(agg.links, msg.links);
            if (++agg.reports === n) {
              const row = { ...makeResult(n, msg.bytes, agg.seconds), peak_rss_over_baseline_mib: agg.peak, cpu_user_ms: agg.userMs, cpu_system_ms: agg.systemMs, links: agg.links };
              rows.push(row);
              opts.onResult?.(row);
            }
          } else fail(new Error(`worker ${rank} of ${n}: ${msg.message}`));
        });
        child.on('error', (err) => fail(new Error(`worker ${rank} of ${n} could not start: ${err.message}`)));
        child.on('exit', (code, signal) => {
          if (code !== 0) fail(new Error(`worker ${rank} of ${n} exited with ${signal ?? `code ${code}`}`));
          else if (++exited === n) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    });
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  return rows;
}

export async function runAllReduceBench(opts: AllReduceBenchOptions): Promise<AllReduceResult[]> {
  const results: AllReduceResult[] = [];
  for (const n of opts.workers) results.push(...(await runWorld(n, opts)));
  return results;
}
