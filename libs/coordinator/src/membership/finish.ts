// Ending the run, successfully or not: every way out goes through here, so the finish command is issued
// exactly once and every later event finds phase 'finished'.

import { log, send, type Command } from './commands.js';
import { shutdownMessage } from './outgoing.js';
import type { RunErrorInfo } from './run-result.js';
import type { CoordinatorState, Transition } from './state.js';
import { buildSummary } from './summary.js';

/** How the run ends. */
export interface Outcome {
  /** null on success. */
  readonly error: RunErrorInfo | null;
  readonly exitCode: number;
  /** Told to every worker in the shutdown message. */
  readonly reason: string;
  /** The connection of the worker that caused the failure: it gets no shutdown (it is gone, hung or exiting). */
  readonly culpritConn?: number;
}

/** Log, shutdown to every connected worker but the culprit, then finish. */
export function finishRun(state: CoordinatorState, outcome: Outcome, nowMs: number): Transition {
  const summary = buildSummary(state, outcome.error, nowMs);
  const result =
    outcome.error === null
      ? { ok: true, exitCode: outcome.exitCode, summary }
      : { ok: false, exitCode: outcome.exitCode, error: outcome.error, summary };
  const shutdown = shutdownMessage(outcome.reason, outcome.exitCode);
  const commands: Command[] = [
    outcome.error === null
      ? log('info', `run finished: ${summary.steps ?? 0} steps in ${summary.wall_seconds} s`)
      : log('error', `run failed: ${outcome.error.code}: ${outcome.error.message}`),
    ...state.workers
      .filter((worker) => worker.connected && worker.conn !== outcome.culpritConn)
      .map((worker) => send(worker.conn, shutdown)),
    { type: 'finish', result },
  ];
  return { state: { ...state, phase: 'finished', result }, commands };
}

/** The run cannot go on: error `code` with `message` (also the shutdown reason), exit code 1 unless told otherwise. */
export function failRun(
  state: CoordinatorState,
  failure: { code: string; message: string; exitCode?: number; culpritConn?: number },
  nowMs: number,
): Transition {
  const error = { code: failure.code, message: failure.message };
  return finishRun(state, { error, exitCode: failure.exitCode ?? 1, reason: failure.message, culpritConn: failure.culpritConn }, nowMs);
}
