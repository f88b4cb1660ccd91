// A worker that cannot go on says so with an error message before it exits. In a running run that ends
// the run with the worker's own code and words, attributed to its rank, so the user reads the root cause
// instead of the "peer closed" errors the other ranks would run into next.

import type { ErrorMessage } from '@ringtrain/protocol';
import { describeRank, describeStepOf } from './describe.js';
import { failRun } from './finish.js';
import { leaveRendezvous } from './rendezvous.js';
import type { CoordinatorState, Transition } from './state.js';

/** An error message from the worker at `index` (its rank once training). */
export function onWorkerError(state: CoordinatorState, index: number, error: ErrorMessage, nowMs: number): Transition {
  if (state.phase === 'rendezvous') return leaveRendezvous(state, index, `${error.code}: ${error.message}`);
  const worker = state.workers[index]!;
  const where = error.context?.step === undefined ? describeStepOf(worker) : `at step ${error.context.step}`;
  const message = `${describeRank(index, worker.hello)} failed ${where}: ${error.message}`;
  return failRun(state, { code: error.code, message, culpritConn: worker.conn }, nowMs);
}
