// Routing of decoded control messages. A connection's first message must be hello; after it, each type
// goes to its handler, and the types only the coordinator sends are protocol errors. Any message from a
// worker proves it alive.

import { ErrorCodes } from '@ringtrain/common';
import { PROTOCOL_VERSION, type Message } from '@ringtrain/protocol';
import { log, send } from './commands.js';
import { describeRank } from './describe.js';
import { onDone } from './completion.js';
import { onEvaluation } from './evaluation.js';
import { dropJoiner } from './joining.js';
import { onReport } from './progress.js';
import { rejectConnection } from './reject.js';
import { onHello } from './rendezvous.js';
import { updateWorker, type CoordinatorState, type Transition } from './state.js';
import { onWorkerError } from './worker-error.js';

/** Messages that only make sense from a member with a rank, i.e. after welcome. */
function onRankedMessage(
  state: CoordinatorState,
  rank: number,
  message: Extract<Message, { type: 'report' | 'evaluation' | 'done' | 'checkpoint' }>,
  nowMs: number,
): Transition {
  switch (message.type) {
    case 'report':
      return onReport(state, rank, message, nowMs);
    case 'evaluation':
      return onEvaluation(state, message);
    case 'done':
      return onDone(state, rank, message, nowMs);
    case 'checkpoint':
      return { state, commands: [log('info', `${describeRank(rank, state.workers[rank]!.hello)} wrote the checkpoint of step ${message.step} to ${message.path}`)] };
  }
}

/** A worker waiting to join says nothing until its welcome but, perhaps, why it gives up. */
function onJoinerMessage(state: CoordinatorState, index: number, message: Message, nowMs: number): Transition {
  if (message.type === 'error') return dropJoiner(state, index, `${message.code}: ${message.message}`);
  return rejectConnection(state, state.joiners[index]!.conn, ErrorCodes.PROTOCOL, `${message.type} before welcome`, nowMs);
}

export function onMessage(state: CoordinatorState, conn: number, message: Message, nowMs: number): Transition {
  if (state.connections[conn]?.closing === true) return { state, commands: [] };
  const index = state.workers.findIndex((worker) => worker.conn === conn);
  if (index < 0) {
    const joiner = state.joiners.findIndex((waiting) => waiting.conn === conn);
    if (joiner >= 0) return onJoinerMessage(state, joiner, message, nowMs);
    if (message.type === 'hello') return onHello(state, conn, message, nowMs);
    return rejectConnection(state, conn, ErrorCodes.PROTOCOL, `the first message must be hello, received ${message.type}`, nowMs);
  }
  const seen = updateWorker(state, index, { lastSeenMs: nowMs });
  const claimedRank = 'rank' in message ? message.rank : undefined;
  if (seen.phase === 'training' && claimedRank !== undefined && claimedRank !== index) {
    // Ranks change at a reform: a message sent before the sender heard of it carries its old rank.
    const stale = 'generation' in message ? message.generation < seen.generation : seen.generation > 0;
    if (stale) return { state: seen, commands: [] };
    return rejectConnection(seen, conn, ErrorCodes.PROTOCOL, `${message.type} claims rank ${claimedRank}, the connection is rank ${index}`, nowMs);
  }
  switch (message.type) {
    case 'hello':
      return rejectConnection(seen, conn, ErrorCodes.PROTOCOL, 'hello sent twice on one connection', nowMs);
    case 'heartbeat':
      // Answered with the same seq, so the worker can tell a live coordinator from a hung one.
      return { state: seen, commands: [send(conn, { type: 'heartbeat', v: PROTOCOL_VERSION, seq: message.seq, timeMs: nowMs })] };
    case 'error':
      return onWorkerError(seen, index, message, nowMs);
    case 'report':
    case 'evaluation':
    case 'done':
    case 'checkpoint':
      if (seen.phase === 'rendezvous') return rejectConnection(seen, conn, ErrorCodes.PROTOCOL, `${message.type} before welcome`, nowMs);
      // A member that came back to a restarted coordinator trains on until the reform: its reports are old news.
      if (seen.phase === 'recovering') return { state: seen, commands: [] };
      return onRankedMessage(seen, index, message, nowMs);
    case 'welcome':
    case 'commit':
    case 'reform':
    case 'shutdown':
      return rejectConnection(seen, conn, ErrorCodes.PROTOCOL, `${message.type} is a coordinator message, a worker must not send it`, nowMs);
  }
}
