// Dead-worker detection for a running run: a member that sends nothing (heartbeats keep coming while it
// computes) for longer than heartbeatTimeoutMs is hung or cut off, and the ring cannot finish a step
// without it: it is removed (the run fails, or re-forms without it when elastic). Members that already sent done
// are exempt: their result is in and they only wait.

import { ErrorCodes } from '@ringtrain/common';
import { describeRank, describeStepOf } from './describe.js';
import { failRun } from './finish.js';
import { loseMember } from './membership-change.js';
import type { CoordinatorState, Transition } from './state.js';

/** Loses the member silent the longest, if any is past the heartbeat timeout. */
export function checkHeartbeats(state: CoordinatorState, nowMs: number): Transition {
  const { heartbeatTimeoutMs } = state.options;
  let silentRank = -1;
  state.workers.forEach((worker, rank) => {
    const expected = worker.connected && worker.done === null && nowMs - worker.lastSeenMs > heartbeatTimeoutMs;
    if (expected && (silentRank < 0 || worker.lastSeenMs < state.workers[silentRank]!.lastSeenMs)) silentRank = rank;
  });
  if (silentRank < 0) return { state, commands: [] };
  const worker = state.workers[silentRank]!;
  const message = `${describeRank(silentRank, worker.hello)} sent nothing for ${nowMs - worker.lastSeenMs} ms (${describeStepOf(worker)})`;
  return loseMember(state, silentRank, { why: message, evict: { code: ErrorCodes.TIMEOUT, detail: `silent for more than ${heartbeatTimeoutMs} ms: removed from the run` } }, nowMs);
}

/** Fails the run when a member's broken ring stayed unexplained (no member lost) for heartbeatTimeoutMs. */
export function checkBrokenRing(state: CoordinatorState, nowMs: number): Transition {
  const { brokenRing } = state;
  if (brokenRing === null || nowMs - brokenRing.sinceMs <= state.options.heartbeatTimeoutMs) return { state, commands: [] };
  const message = `${brokenRing.message}; no member was found dead within ${state.options.heartbeatTimeoutMs} ms`;
  return failRun(state, { code: ErrorCodes.WORKER_FAILED, message }, nowMs);
}
