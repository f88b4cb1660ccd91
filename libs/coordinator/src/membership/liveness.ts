// Dead-worker detection for a running run: a member that sends nothing (heartbeats keep coming while it
// computes) for longer than heartbeatTimeoutMs is hung or cut off, and the ring cannot finish a step
// without it. Members that already sent done are exempt: their result is in and they only wait.

import { ErrorCodes } from '@ringtrain/common';
import { describeRank, describeStepOf } from './describe.js';
import { failRun } from './finish.js';
import type { CoordinatorState, Transition } from './state.js';

/** Fails the run for the member silent the longest, if any is past the heartbeat timeout. */
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
  return failRun(state, { code: ErrorCodes.WORKER_FAILED, message, culpritConn: worker.conn }, nowMs);
}
