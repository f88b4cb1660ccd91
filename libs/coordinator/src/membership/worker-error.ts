// A worker that cannot go on says so with an error message before it exits. In a running run that ends
// the run with the worker's own code and words, attributed to its rank, so the user reads the root cause
// instead of the "peer closed" errors the other ranks would run into next. An elastic run instead takes a
// broken ring (a peer closed or timed out) as a symptom whose cause, a lost member, is about to be found, and
// a member stopped by a signal as one that left; reports of a generation already replaced are old news.

import { ErrorCodes, isBrokenRingCode } from '@ringtrain/common';
import type { ErrorMessage } from '@ringtrain/protocol';
import { log } from './commands.js';
import { describeRank, describeStepOf } from './describe.js';
import { failRun } from './finish.js';
import { loseMember } from './membership-change.js';
import { isElastic } from './options.js';
import { leaveRendezvous } from './rendezvous.js';
import type { CoordinatorState, Transition } from './state.js';

/** An error message from the worker at `index` (its rank once training). */
export function onWorkerError(state: CoordinatorState, index: number, error: ErrorMessage, nowMs: number): Transition {
  if (state.phase === 'rendezvous' || state.phase === 'recovering') return leaveRendezvous(state, index, `${error.code}: ${error.message}`);
  const worker = state.workers[index]!;
  const where = error.context?.step === undefined ? describeStepOf(worker) : `at step ${error.context.step}`;
  const message = `${describeRank(index, worker.hello)} failed ${where}: ${error.message}`;
  if (isElastic(state.options)) {
    const generation = error.context?.generation;
    if (generation !== undefined && generation < state.generation) {
      return { state, commands: [log('info', `${describeRank(index, worker.hello)} reported from generation ${generation}: ${error.code}: ${error.message}`)] };
    }
    if (isBrokenRingCode(error.code)) {
      const noted = log('warn', `${describeRank(index, worker.hello)} reports a broken ring ${where}: ${error.message}`);
      // Explained already by a lost member the run waits to replace, or the first report of it.
      if (state.degradedSinceMs !== null || state.brokenRing !== null) return { state, commands: [noted] };
      return { state: { ...state, brokenRing: { sinceMs: nowMs, message } }, commands: [noted] };
    }
    if (error.code === ErrorCodes.ABORTED) return loseMember(state, index, { why: `${describeRank(index, worker.hello)} left ${where}: ${error.message}` }, nowMs);
  }
  return failRun(state, { code: error.code, message, culpritConn: worker.conn }, nowMs);
}
