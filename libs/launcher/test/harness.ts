// Starts a group of real node processes running fixtures/*.mjs, records their output, and checks that no
// process outlives its test.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { launchWorkers, workerEnvironment, type LaunchOptions, type LocalGroup, type WorkerStream } from '../src/index.js';

export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

export interface RecordedLine {
  localRank: number;
  stream: WorkerStream;
  line: string;
}

export interface StartedGroup {
  group: LocalGroup;
  lines: RecordedLine[];
  /** Resolves once every worker printed `ready`. */
  ready: Promise<void>;
  /** Every pid the test has seen; more are added by the test after restarts. */
  pids: Set<number>;
}

/**
 * Runs worker `localRank` as `node fixtures/<scripts[localRank][0]> <rest...>`, as node 1 of 2 so global
 * ranks (2, 3, ...) differ from local ranks; `overrides` replace any launch option.
 */
export function startGroup(scripts: string[][], overrides: Partial<LaunchOptions> = {}): StartedGroup {
  const nprocPerNode = scripts.length;
  const lines: RecordedLine[] = [];
  const readyRanks = new Set<number>();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const group = launchWorkers({
    nprocPerNode,
    command: process.execPath,
    args: (localRank) => {
      const [script = '', ...args] = scripts[localRank] ?? [];
      return [fixture(script), ...args];
    },
    env: (localRank) =>
      workerEnvironment({ nodeRank: 1, nnodes: 2, nprocPerNode, localRank, masterAddr: '127.0.0.1', masterPort: 29500, base: process.env }),
    onLine: (localRank, stream, line) => {
      lines.push({ localRank, stream, line });
      if (line === 'ready') readyRanks.add(localRank);
      if (readyRanks.size === nprocPerNode) markReady();
    },
    gracePeriodMs: 2000,
    ...overrides,
  });
  return { group, lines, ready, pids: new Set(group.pids) };
}

export function linesOf(lines: RecordedLine[], localRank: number, stream: WorkerStream = 'stdout'): string[] {
  return lines.filter((l) => l.localRank === localRank && l.stream === stream).map((l) => l.line);
}

/**
 * Whether a process still runs. Signal 0 probes without sending anything; a process that died but was not
 * reaped yet (a zombie, Linux state Z, e.g. an orphan waiting for init) still answers it, so /proc decides.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
}

/** Asserts every pid names no process any more: the launcher reaped all its workers. */
export function expectAllGone(pids: Iterable<number>): void {
  for (const pid of pids) {
    expect(() => process.kill(pid, 0), `process ${pid} is still alive`).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  }
}
