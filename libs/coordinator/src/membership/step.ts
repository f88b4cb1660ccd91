// The state machine's one entry point. Pure: the next state and the commands depend only on the state and
// the event (time included), and the input state is never modified.

import { ErrorCodes } from '@ringtrain/common';
import { dropSilentConnections, onConnected, onDisconnected } from './connections.js';
import type { CoordinatorEvent } from './events.js';
import { failRun } from './finish.js';
import { checkBrokenRing, checkHeartbeats } from './liveness.js';
import { checkReplacementDeadline } from './membership-change.js';
import { onMessage } from './messages.js';
import { checkRecoveryDeadline } from './recovery.js';
import { rejectConnection } from './reject.js';
import { checkRendezvousDeadline } from './rendezvous.js';
import { after, type CoordinatorState, type Transition } from './state.js';

/** Exit codes of a process ended by a signal: 128 + the signal number, as shells report them. */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** Applies each check in turn to the state the previous one left, until one finishes the run. */
function chain(start: Transition, checks: readonly ((state: CoordinatorState, nowMs: number) => Transition)[], nowMs: number): Transition {
  return checks.reduce((done, check) => (done.state.phase === 'finished' ? done : after(done.commands, check(done.state, nowMs))), start);
}

/** The next state and the commands `event` causes. After the finish command every event is ignored. */
export function step(state: CoordinatorState, event: CoordinatorEvent): Transition {
  if (state.phase === 'finished') return { state, commands: [] };
  switch (event.type) {
    case 'connected':
      return onConnected(state, event.conn, event.remote, event.now);
    case 'message':
      return onMessage(state, event.conn, event.message, event.now);
    case 'invalidMessage':
      if (state.connections[event.conn]?.closing === true) return { state, commands: [] };
      return rejectConnection(state, event.conn, event.code, event.detail, event.now);
    case 'disconnected':
      return onDisconnected(state, event.conn, event.reason, event.now);
    case 'tick': {
      const quiet = dropSilentConnections(state, event.now);
      if (state.phase === 'rendezvous') return after(quiet.commands, checkRendezvousDeadline(quiet.state, event.now));
      if (state.phase === 'recovering') return after(quiet.commands, checkRecoveryDeadline(quiet.state, event.now));
      return chain(quiet, [checkHeartbeats, checkReplacementDeadline, checkBrokenRing], event.now);
    }
    case 'interrupt':
      return failRun(state, { code: ErrorCodes.ABORTED, message: `interrupted by ${event.signal}`, exitCode: SIGNAL_EXIT_CODES[event.signal] }, event.now);
    case 'localFailure':
      return failRun(state, { code: event.code, message: event.message, exitCode: event.exitCode }, event.now);
  }
}
