// What the state machine asks the server to do. The server carries commands out in order.

import type { Message } from '@ringtrain/protocol';
import type { RunResult } from './run-result.js';

/** One line of metrics.jsonl for a step every rank finished. */
export interface StepMetricsRecord {
  readonly step: number;
  readonly epoch: number;
  readonly lr: number;
  /** Mean over ranks of each rank's mean micro-batch loss. */
  readonly loss: number;
  readonly grad_norm: number;
  /** Optimizer steps of the whole run, as the workers planned it; null when they did not say. */
  readonly total_steps: number | null;
  /** Σ samples over ranks / (max over ranks of the step's wall time); null when that time is 0. */
  readonly samples_per_second: number | null;
  /** Slowest rank's wall time of the whole step. */
  readonly step_ms: number;
  /** Slowest rank's forward + backward time. */
  readonly compute_ms: number;
  /** Slowest rank's gradient communication time. */
  readonly comm_ms: number;
  readonly generation: number;
}

/** One line of metrics.jsonl for an evaluation of the test split. */
export interface EvaluationMetricsRecord {
  readonly step: number;
  readonly epoch: number;
  readonly test_loss: number;
  readonly test_accuracy: number;
}

export type MetricsRecord = StepMetricsRecord | EvaluationMetricsRecord;

/** Send `message` on connection `conn`. */
export interface SendCommand {
  readonly type: 'send';
  readonly conn: number;
  readonly message: Message;
}

/** Close connection `conn` after the sends before this command; `reason` is short enough for a WebSocket close frame. */
export interface CloseCommand {
  readonly type: 'close';
  readonly conn: number;
  readonly reason: string;
}

/** Append `record` to metrics.jsonl (and the dashboard). */
export interface MetricsCommand {
  readonly type: 'metrics';
  readonly record: MetricsRecord;
}

export interface LogCommand {
  readonly type: 'log';
  readonly level: 'info' | 'warn' | 'error';
  readonly text: string;
}

/**
 * The run is over; issued exactly once. The server flushes the sends before it, closes every connection,
 * writes summary.json and exits with `result.exitCode`.
 */
export interface FinishCommand {
  readonly type: 'finish';
  readonly result: RunResult;
}

export type Command = SendCommand | CloseCommand | MetricsCommand | LogCommand | FinishCommand;

export function send(conn: number, message: Message): SendCommand {
  return { type: 'send', conn, message };
}

export function close(conn: number, reason: string): CloseCommand {
  return { type: 'close', conn, reason };
}

export function log(level: LogCommand['level'], text: string): LogCommand {
  return { type: 'log', level, text };
}
