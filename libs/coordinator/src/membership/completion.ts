// The end of a successful run: every rank sends done with the hash of its final parameters. When the last
// one is in, the final hashes are compared (the same rule as the periodic check) and the run finishes.

import { ErrorCodes } from '@ringtrain/common';
import type { DoneMessage } from '@ringtrain/protocol';
import { log } from './commands.js';
import { describeRank } from './describe.js';
import { describeDivergence } from './divergence.js';
import { failRun, finishRun } from './finish.js';
import { rejectConnection } from './reject.js';
import { after, updateWorker, type CoordinatorState, type Transition } from './state.js';

/** A done message from member `rank`. */
export function onDone(state: CoordinatorState, rank: number, done: DoneMessage, nowMs: number): Transition {
  const worker = state.workers[rank]!;
  // Finished just before a reform: the rank rolls back and finishes again in this generation.
  if (done.generation < state.generation) return { state, commands: [log('info', `${describeRank(rank, worker.hello)} finished in generation ${done.generation}, before the reform`)] };
  if (worker.done !== null) return rejectConnection(state, worker.conn, ErrorCodes.PROTOCOL, 'done sent twice', nowMs);
  if (done.generation !== state.generation) {
    return rejectConnection(state, worker.conn, ErrorCodes.PROTOCOL, `done of generation ${done.generation}, the run is in generation ${state.generation}`, nowMs);
  }
  const finished = updateWorker(state, rank, { done });
  const noted = log('info', `${describeRank(rank, worker.hello)} finished after ${done.steps} steps`);
  const dones = finished.workers.flatMap((member) => (member.done === null ? [] : [member.done]));
  if (dones.length < finished.workers.length) return { state: finished, commands: [noted] };

  const divergence = describeDivergence(dones.map((member) => member.paramHash));
  if (divergence !== null) {
    return after([noted], failRun(finished, { code: ErrorCodes.DIVERGED, message: `final parameter hashes differ: ${divergence}` }, nowMs));
  }
  return after([noted], finishRun(finished, { error: null, exitCode: 0, reason: 'training finished' }, nowMs));
}
