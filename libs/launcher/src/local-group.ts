// The torchrun agent for one node, minus rendezvous: start the local workers, relay their output line by line,
// and treat them as one unit. A failed worker is restarted while its restart budget lasts; after that its
// failure brings the whole group down (SIGTERM, SIGKILL after a grace period), because the surviving ranks
// would otherwise block forever in the next collective waiting for the dead one.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { exitStatus } from './exit-status.js';
import { requireInteger } from './integer.js';
import type { GroupResult, LaunchOptions, LocalGroup, WorkerExit, WorkerStream } from './launch-options.js';
import { createLineSplitter } from './line-splitter.js';

/** Shell convention for "command could not be run", reported for a worker whose spawn failed. */
const START_FAILED_STATUS = 127;
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

type WorkerProcess = ChildProcessByStdio<null, Readable, Readable>;

interface WorkerSlot {
  readonly localRank: number;
  readonly rank: number;
  readonly args: string[];
  readonly env: Record<string, string>;
  /** The current process of this local rank. */
  process: WorkerProcess | null;
  restarts: number;
  /** The launcher has sent the current process a stop signal, so its end is not a failure of its own. */
  signalled: boolean;
  /** Set once this local rank has ended for good. */
  exit: WorkerExit | null;
}

/** Starts `nprocPerNode` workers (see LaunchOptions) and returns the running group. Invalid options throw InvalidArgumentError before anything starts. */
export function launchWorkers(options: LaunchOptions): LocalGroup {
  return new WorkerGroup(options);
}

function rankFromEnv(env: Record<string, string>, localRank: number): number {
  const rank = env.RANK;
  return rank !== undefined && /^\d+$/.test(rank) ? Number(rank) : localRank;
}

function isAlive(process: WorkerProcess): boolean {
  return process.exitCode === null && process.signalCode === null;
}

class WorkerGroup implements LocalGroup {
  readonly done: Promise<GroupResult>;
  private readonly slots: WorkerSlot[];
  private readonly command: string;
  private readonly onLine: (localRank: number, stream: WorkerStream, line: string) => void;
  private readonly gracePeriodMs: number;
  private readonly maxRestarts: number;
  private readonly keepGoing: boolean;
  /** The worker that ended last (the group's result with keepGoing, unless one exited 0). */
  private lastExit: WorkerExit | undefined;
  private succeeded = false;
  private leftoverTimer: NodeJS.Timeout | undefined;
  private readonly failures: WorkerExit[] = [];
  private resolveDone: (result: GroupResult) => void = () => undefined;
  private stopping = false;
  private stoppedBy: NodeJS.Signals | null = null;
  private restarts = 0;
  private killTimer: NodeJS.Timeout | undefined;
  private readonly removeProcessHandlers: () => void;

  constructor(options: LaunchOptions) {
    const nprocPerNode = requireInteger(options.nprocPerNode, 'nprocPerNode', 1);
    this.gracePeriodMs = requireInteger(options.gracePeriodMs ?? 5000, 'gracePeriodMs', 0);
    this.maxRestarts = requireInteger(options.maxRestarts ?? 0, 'maxRestarts', 0);
    this.keepGoing = options.keepGoing ?? false;
    this.command = options.command;
    this.slots = Array.from({ length: nprocPerNode }, (_, localRank) => {
      const env = options.env(localRank);
      const rank = rankFromEnv(env, localRank);
      return { localRank, rank, args: options.args(localRank), env, process: null, restarts: 0, signalled: false, exit: null };
    });
    this.onLine = options.onLine ?? ((localRank, stream, line) => this.writePrefixed(localRank, stream, line));
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.removeProcessHandlers = this.installProcessHandlers(options.forwardSignals ?? true);
    for (const slot of this.slots) this.start(slot);
  }

  get pids(): readonly number[] {
    return this.slots.flatMap((slot) => (slot.process?.pid === undefined ? [] : [slot.process.pid]));
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.slots.every((slot) => slot.exit !== null)) return;
    if (!this.stopping) this.stoppedBy = signal;
    this.halt(signal);
  }

  private installProcessHandlers(forwardSignals: boolean): () => void {
    const onSignal = (signal: NodeJS.Signals): void => this.stop(signal);
    // Last resort against orphans: the launcher is exiting (process.exit, uncaught error) with workers alive.
    const onExit = (): void => this.signalAll('SIGKILL');
    const signals = forwardSignals ? FORWARDED_SIGNALS : [];
    for (const signal of signals) process.on(signal, onSignal);
    process.on('exit', onExit);
    return () => {
      for (const signal of signals) process.off(signal, onSignal);
      process.off('exit', onExit);
    };
  }

  private start(slot: WorkerSlot): void {
    const env = slot.restarts === 0 ? slot.env : { ...slot.env, RINGTRAIN_RESTART_COUNT: String(slot.restarts) };
    const child = spawn(this.command, slot.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    slot.process = child;
    const stdout = this.relayLines(child.stdout, slot.localRank, 'stdout');
    const stderr = this.relayLines(child.stderr, slot.localRank, 'stderr');
    let startError: string | undefined;
    child.on('error', (err) => {
      if (child.pid === undefined) startError = err.message;
    });
    // 'close' comes after the process ended and both pipes drained, so every line is out before the group
    // reacts; it also follows a failed spawn (with a negative errno as code).
    child.on('close', (code, signal) => {
      stdout.flush();
      stderr.flush();
      const exitCode = startError === undefined ? exitStatus(code, signal) : START_FAILED_STATUS;
      const exit: WorkerExit = { localRank: slot.localRank, rank: slot.rank, exitCode, signal };
      if (startError !== undefined) exit.startError = startError;
      this.onWorkerEnded(slot, exit);
    });
  }

  private relayLines(stream: Readable, localRank: number, name: WorkerStream): { flush(): void } {
    const splitter = createLineSplitter((line) => this.onLine(localRank, name, line));
    stream.setEncoding('utf8');
    stream.on('data', (text: string) => splitter.push(text));
    return splitter;
  }

  private onWorkerEnded(slot: WorkerSlot, exit: WorkerExit): void {
    const failedOnItsOwn = exit.exitCode !== 0 && !slot.signalled;
    if (failedOnItsOwn && !this.stopping && slot.restarts < this.maxRestarts) {
      slot.restarts += 1;
      this.restarts += 1;
      this.start(slot);
      return;
    }
    slot.exit = exit;
    this.lastExit = exit;
    if (this.keepGoing && exit.exitCode === 0 && !this.succeeded) {
      // The run is over: whoever has not exited by the end of the grace period is stuck (hung, stopped).
      this.succeeded = true;
      this.leftoverTimer = setTimeout(() => this.halt('SIGTERM'), this.gracePeriodMs);
    }
    if (failedOnItsOwn) {
      this.failures.push(exit);
      if (!this.stopping && !this.keepGoing) this.halt('SIGTERM');
    }
    if (this.slots.every((s) => s.exit !== null)) this.finish();
  }

  /** Signals every live worker and arms the SIGKILL escalation (once). */
  private halt(signal: NodeJS.Signals): void {
    if (!this.stopping) {
      this.stopping = true;
      this.killTimer = setTimeout(() => this.signalAll('SIGKILL'), this.gracePeriodMs);
    }
    this.signalAll(signal);
  }

  private signalAll(signal: NodeJS.Signals): void {
    for (const slot of this.slots) {
      if (slot.exit !== null || slot.process === null || !isAlive(slot.process)) continue;
      slot.signalled = true;
      slot.process.kill(signal);
    }
  }

  private finish(): void {
    clearTimeout(this.killTimer);
    clearTimeout(this.leftoverTimer);
    this.removeProcessHandlers();
    // With keepGoing, failures along the way were survived (or not): a worker that exited 0 says the run ended well.
    const first = this.keepGoing ? (this.succeeded ? undefined : this.lastExit) : this.failures[0];
    const ok = first === undefined && this.stoppedBy === null;
    const exitCode = first?.exitCode ?? (this.stoppedBy === null ? 0 : exitStatus(null, this.stoppedBy));
    this.resolveDone({
      ok,
      exitCode,
      failures: [...this.failures],
      exits: this.slots.flatMap((slot) => slot.exit ?? []),
      restarts: this.restarts,
      stoppedBy: this.stoppedBy,
    });
  }

  private writePrefixed(localRank: number, stream: WorkerStream, line: string): void {
    const rank = this.slots[localRank]?.rank ?? localRank;
    (stream === 'stdout' ? process.stdout : process.stderr).write(`[rank ${rank}] ${line}\n`);
  }
}
