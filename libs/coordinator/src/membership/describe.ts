// How workers, ranks and hashes are named in log lines and error messages, so every message says it the
// same way: "rank 2 (node-b, pid 4711)", "ranks 0,2", "1a2b3c4d…".

import type { HelloMessage } from '@ringtrain/protocol';
import type { WorkerState } from './state.js';

/** A member by rank, host and process: where to look for its log. */
export function describeRank(rank: number, hello: HelloMessage): string {
  return `rank ${rank} (${hello.host}, pid ${hello.pid})`;
}

/** A worker that has no rank yet (rendezvous): host, process and the place it claims. */
export function describeWorker(hello: HelloMessage): string {
  return `${hello.host} (pid ${hello.pid}, node rank ${hello.nodeRank}, local rank ${hello.localRank})`;
}

/** "rank 1" or "ranks 0,2". */
export function describeRanks(ranks: readonly number[]): string {
  return ranks.length === 1 ? `rank ${ranks[0]}` : `ranks ${ranks.join(',')}`;
}

/** The first 8 hex digits of a SHA-256: enough to tell hashes apart in a message. */
export function hashPrefix(hash: string): string {
  return `${hash.slice(0, 8)}…`;
}

/**
 * Where a member was in the run: the step after the last one it reported. Exact in elastic runs, whose workers report
 * every step at once; elsewhere a worker may have gone up to 8 steps further (its reports wait up to 50 ms).
 */
export function describeStepOf(worker: WorkerState): string {
  return worker.lastReportedStep === null ? 'before its first step' : `at step ${worker.lastReportedStep + 1}`;
}

/** `text` cut to `max` characters, the cut marked with an ellipsis (protocol strings are bounded). */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
