// Connections opening and closing. A member of the running run that goes away before its done message
// takes its rank with it: the run fails, or re-forms without it when it is elastic; one that already sent done
// has nothing left to give.

import { ErrorCodes } from '@ringtrain/common';
import { log } from './commands.js';
import { describeRank, describeStepOf } from './describe.js';
import { dropJoiner } from './joining.js';
import { loseMember } from './membership-change.js';
import { leaveRendezvous } from './rendezvous.js';
import { DEFAULT_HELLO_TIMEOUT_MS } from './options.js';
import { rejectConnection } from './reject.js';
import { after, updateWorker, type CoordinatorState, type Transition } from './state.js';

export function onConnected(state: CoordinatorState, conn: number, remote: string, nowMs: number): Transition {
  return { state: { ...state, connections: { ...state.connections, [conn]: { remote, closing: false, openedMs: nowMs } } }, commands: [] };
}

/**
 * Closes connections that passed the token check but said no hello within helloTimeoutMs: an idle connection
 * holds a socket and a slot in the server for nothing (or for a slow-loris attack).
 */
export function dropSilentConnections(state: CoordinatorState, nowMs: number): Transition {
  const members = new Set([...state.workers, ...state.joiners].map((worker) => worker.conn));
  const limit = state.options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
  let result: Transition = { state, commands: [] };
  for (const [key, connection] of Object.entries(state.connections)) {
    const conn = Number(key);
    if (connection.closing || members.has(conn) || nowMs - connection.openedMs <= limit) continue;
    result = after(result.commands, rejectConnection(result.state, conn, ErrorCodes.TIMEOUT, `no hello within ${limit} ms of connecting`, nowMs));
  }
  return result;
}

export function onDisconnected(state: CoordinatorState, conn: number, reason: string, nowMs: number): Transition {
  const { [conn]: _gone, ...connections } = state.connections;
  const forgotten = { ...state, connections };
  const joiner = state.joiners.findIndex((waiting) => waiting.conn === conn);
  if (joiner >= 0) return dropJoiner(forgotten, joiner, reason);
  const index = state.workers.findIndex((worker) => worker.conn === conn && worker.connected);
  if (index < 0) return { state: forgotten, commands: [] };
  if (state.phase === 'rendezvous' || state.phase === 'recovering') return leaveRendezvous(forgotten, index, reason);
  const worker = state.workers[index]!;
  if (worker.done !== null) {
    const gone = updateWorker(forgotten, index, { connected: false });
    return { state: gone, commands: [log('info', `${describeRank(index, worker.hello)} disconnected after done: ${reason}`)] };
  }
  return loseMember(forgotten, index, { why: `${describeRank(index, worker.hello)} disconnected ${describeStepOf(worker)}: ${reason}` }, nowMs);
}
