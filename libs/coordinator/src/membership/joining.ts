// A worker that says hello to a running elastic run: a launcher restarted it (--max-restarts) or it is new. It
// waits as a joiner and becomes a member at the next generation, which starts at once when the ring has room
// (or has been waiting for it), and receives the state by broadcast from rank 0.

import { ErrorCodes } from '@ringtrain/common';
import { log } from './commands.js';
import { describeWorker } from './describe.js';
import { reformIfEnough } from './membership-change.js';
import { membershipLimits } from './options.js';
import { rejectConnection } from './reject.js';
import { after, connectedMembers, type CoordinatorState, type Transition, type WorkerState } from './state.js';

export function onJoin(state: CoordinatorState, joiner: WorkerState, nowMs: number): Transition {
  const { maxWorkers } = membershipLimits(state.options);
  const members = connectedMembers(state);
  if (members + state.joiners.length >= maxWorkers) {
    return rejectConnection(state, joiner.conn, ErrorCodes.PROTOCOL, `the run is full (${members} workers, --max-workers ${maxWorkers})`, nowMs);
  }
  const waiting = { ...state, joiners: [...state.joiners, joiner] };
  const reason = `${describeWorker(joiner.hello)} joined`;
  return after([log('info', `worker ${reason} the running run; it enters at generation ${state.generation + 1}`)], reformIfEnough(waiting, nowMs, reason));
}

/** Joiner `index` closed its connection or gave up before its generation started. */
export function dropJoiner(state: CoordinatorState, index: number, why: string): Transition {
  const joiner = state.joiners[index]!;
  return {
    state: { ...state, joiners: state.joiners.filter((_, i) => i !== index) },
    commands: [log('warn', `worker ${describeWorker(joiner.hello)} left before joining the ring (${why})`)],
  };
}
