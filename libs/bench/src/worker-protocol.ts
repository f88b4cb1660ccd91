// Messages between the benchmark orchestrator and its worker processes (Node IPC channel, JSON).
import type { PeerAddress } from '@ringtrain/transport-ws';
import type { WireDtype } from '@ringtrain/collective';
import type { AllReduceResult } from './results.js';

export interface BenchWorkerConfig {
  rank: number;
  worldSize: number;
  /** Buffer sizes in bytes, run in ascending order. */
  sizes: number[];
  /** Timed iterations per size; undefined = defaultIters(size). */
  iters?: number | undefined;
  wireDtype: WireDtype;
  segmentBytes: number;
  /** Bound on every network wait. */
  timeoutMs: number;
  /** Links over Unix domain sockets (DataPlaneOptions.localSockets) rather than TCP on loopback. */
  localSockets: boolean;
  /** Payloads of Unix socket links through shared slots (DataPlaneOptions.sharedMemory). */
  sharedMemory: boolean;
}

export type ToWorker = { kind: 'peers'; peers: PeerAddress[] };

export type FromWorker =
  | { kind: 'listening'; address: PeerAddress }
  | {
      kind: 'result';
      bytes: number;
      seconds: number;
      peakRssOverBaselineMib: number;
      cpuUserMs: number;
      cpuSystemMs: number;
      /** What carried the payloads this worker received from its left neighbour in this size's runs. */
      links: NonNullable<AllReduceResult['links']>;
    }
  | { kind: 'error'; message: string };
