/** Which output stream of a worker a line came from. */
export type WorkerStream = 'stdout' | 'stderr';

export interface LaunchOptions {
  /** Worker processes to start on this node, at least 1; they get local ranks 0..nprocPerNode-1. */
  nprocPerNode: number;
  /** Executable every worker runs, e.g. `process.execPath`. */
  command: string;
  /** Arguments of the worker with this local rank (computed once per local rank, reused on restart). */
  args: (localRank: number) => string[];
  /**
   * The complete environment of the worker with this local rank: nothing is inherited from the launcher, so
   * build it with `workerEnvironment({ ..., base: process.env })`. Its RANK names the worker in log prefixes
   * and results (the local rank stands in when RANK is missing). Computed once per local rank.
   */
  env: (localRank: number) => Record<string, string>;
  /**
   * Receives every line a worker writes, without its line break; an unterminated last line is delivered when
   * the worker ends. Default: write `[rank R] line` to the launcher's own stdout or stderr, R the worker's RANK.
   */
  onLine?: (localRank: number, stream: WorkerStream, line: string) => void;
  /** After asking workers to stop, how long to wait before SIGKILLing those still alive, in ms. Default 5000. */
  gracePeriodMs?: number;
  /**
   * Forward SIGINT and SIGTERM received by the launcher process to every worker (then the same grace period and
   * SIGKILL). Installing the handlers keeps the launcher alive on those signals until the workers are gone;
   * they are removed when the group is done. Default true.
   */
  forwardSignals?: boolean;
  /**
   * How many times each local rank may be restarted after it fails (non-zero exit or killed by a signal)
   * before its failure stops the whole group. A restarted worker gets the same arguments and environment plus
   * RINGTRAIN_RESTART_COUNT=<n>, n = its restarts so far (1 on the first). Default 0: the first failure stops all.
   */
  maxRestarts?: number;
  /**
   * A worker that fails for good (its restarts used up) leaves the others running: an elastic run re-forms its ring
   * without it, and the coordinator, not the group, decides whether the run goes on. A worker exits 0 only when the
   * run finished well, so the first one that does ends the group: the others get gracePeriodMs to exit on their
   * own (the coordinator's shutdown), then are stopped (a hung one would never exit). The group succeeds when a
   * worker exited 0; failures are still listed. Default false: a failure stops all.
   */
  keepGoing?: boolean;
}

/** How one worker process ended. */
export interface WorkerExit {
  localRank: number;
  /** Global rank, from the worker's RANK variable. */
  rank: number;
  /** Exit status: the exit code, or 128 + signal number when killed by a signal; 127 when it could not start. */
  exitCode: number;
  /** The signal that killed it, or null. */
  signal: NodeJS.Signals | null;
  /** Why the process could not be started (e.g. `spawn ./x ENOENT`), when that is how it ended. */
  startError?: string;
}

export interface GroupResult {
  /** true when every worker exited 0 without being stopped. */
  ok: boolean;
  /**
   * What the launcher should exit with: 0 when ok; else the first failure's exitCode; else, when the group was
   * stopped by stop() or a forwarded signal, 128 + that signal's number (130 for SIGINT, 143 for SIGTERM).
   */
  exitCode: number;
  /**
   * Workers that failed on their own (not after the launcher signalled them) and were not restarted, in the
   * order they ended. The first one is what made the launcher stop the others.
   */
  failures: WorkerExit[];
  /** The last end of every local rank, in local-rank order. */
  exits: WorkerExit[];
  /** Restarts performed, over all local ranks. */
  restarts: number;
  /** The signal stop() or the launcher's signal handler stopped the group with, when that came before any failure. */
  stoppedBy: NodeJS.Signals | null;
}

/** The workers of one node, running. */
export interface LocalGroup {
  /** Settles once every worker has ended (and will not be restarted); never rejects. */
  readonly done: Promise<GroupResult>;
  /** Process ids of the current process of each local rank that started, in local-rank order. */
  readonly pids: readonly number[];
  /**
   * Sends `signal` (default SIGTERM) to every live worker and SIGKILLs those still alive after the grace
   * period. Stopped workers are not restarted. Calling it again re-sends the signal; after done it does nothing.
   */
  stop(signal?: NodeJS.Signals): void;
}
