// A connection that broke the protocol: it gets an error reply naming what was wrong and is closed. The
// run only pays for it when the connection was a member of the running run, since a ring cannot go on
// without one of its ranks: it fails, or an elastic one re-forms without it.

import { close, log, send } from './commands.js';
import { describeRank, describeStepOf } from './describe.js';
import { loseMember } from './membership-change.js';
import { errorMessage } from './outgoing.js';
import { after, markClosing, removeWorker, updateWorker, type CoordinatorState, type Transition } from './state.js';

/**
 * Reply error(`code`, `detail`) on `conn` and close it. A worker still in rendezvous or waiting to join is
 * forgotten; a member of the running run is lost (loseMember: E_WORKER_FAILED unless the run is elastic).
 */
export function rejectConnection(state: CoordinatorState, conn: number, code: string, detail: string, nowMs: number): Transition {
  const remote = state.connections[conn]?.remote ?? 'unknown';
  const commands = [
    log('warn', `connection ${conn} from ${remote} rejected: ${code}: ${detail}`),
    send(conn, errorMessage(code, detail)),
    close(conn, code),
  ];
  const closing = markClosing(state, conn);
  const joiners = closing.joiners.filter((joiner) => joiner.conn !== conn);
  const index = state.workers.findIndex((worker) => worker.conn === conn);
  if (index < 0) return { state: { ...closing, joiners }, commands };
  if (state.phase === 'rendezvous' || state.phase === 'recovering') return { state: removeWorker(closing, index), commands };
  const worker = state.workers[index]!;
  const message = `${describeRank(index, worker.hello)} sent an invalid message ${describeStepOf(worker)}: ${code}: ${detail}`;
  return after(commands, loseMember(updateWorker(closing, index, { connected: false }), index, { why: message }, nowMs));
}
