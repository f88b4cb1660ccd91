// What the membership state machine knows about the run before the first worker connects, and the
// checks that turn a bad value into an InvalidArgumentError (apps exit with code 2 on it) instead of a run
// that waits forever or never times out.

import { InvalidArgumentError } from '@ringtrain/common';
import { MAX_WORLD_SIZE } from '@ringtrain/protocol';

/** The run's fixed parameters, as the coordinator app resolved them from its flags and config. */
export interface CoordinatorOptions {
  /** Number of workers the run waits for and trains with (--world-size): an integer in 1..MAX_WORLD_SIZE. */
  readonly worldSize: number;
  /**
   * The run config as a JSON object with camelCase keys (as in the config file). Every worker receives it in
   * welcome; `batchSize` and `accumSteps`, when present, give the summary's global batch size.
   */
  readonly config: Readonly<Record<string, unknown>>;
  /** SHA-256 of the run config, 64 lower-case hex digits. A worker whose hello carries another hash is refused. */
  readonly configHash: string;
  /**
   * Optimizer steps between parameter-hash checks: every rank must send its parameter hash with the report of
   * each step s where (s + 1) % hashEvery === 0, and the hashes of a step must agree. 0 checks only the final
   * hashes of the done messages. A non-negative integer.
   */
  readonly hashEvery: number;
  /** How long the run waits for all worldSize workers to say hello, counted from startedAtMs; > 0 ms. */
  readonly rendezvousTimeoutMs: number;
  /** A member of a running run that sends nothing (no heartbeat, no report) for longer than this is dead; > 0 ms. */
  readonly heartbeatTimeoutMs: number;
  /** When the coordinator started, in ms since the Unix epoch: the rendezvous deadline and wall_seconds count from it. */
  readonly startedAtMs: number;
  /** A connection that says no hello this long after connecting is closed with E_TIMEOUT; > 0 ms. Default 10 s. */
  readonly helloTimeoutMs?: number;
  /**
   * Fewest members the run trains with (--min-workers): when a member is lost (its connection closed, it went
   * silent, it left), the survivors re-form the ring if at least this many are left. 1..worldSize, default
   * worldSize: a lost member fails the run, unless replacementTimeoutMs waits for a replacement.
   */
  readonly minWorkers?: number;
  /**
   * Most members the run trains with (--max-workers): a worker that says hello to a running run joins it at the
   * next generation while the ring has fewer. worldSize..MAX_WORLD_SIZE, default worldSize.
   */
  readonly maxWorkers?: number;
  /**
   * With fewer than minWorkers members left, how long to wait for workers to join (a launcher restarting the lost
   * ones, --max-restarts) before the run fails; >= 0 ms, default 0: fail at once.
   */
  readonly replacementTimeoutMs?: number;
}

export const DEFAULT_HELLO_TIMEOUT_MS = 10_000;

const SHA256_HEX = /^[0-9a-f]{64}$/;

function requireInteger(value: number, min: number, max: number, subject: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${subject} must be an integer in ${min}..${max}, received ${value}`, { subject });
  }
}

function requirePositiveDuration(value: number, subject: string): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`${subject} must be a finite number of milliseconds > 0, received ${value}`, { subject });
  }
}

/** Throws InvalidArgumentError (naming the option in `subject`) unless every option is usable. */
export function checkCoordinatorOptions(options: CoordinatorOptions): void {
  requireInteger(options.worldSize, 1, MAX_WORLD_SIZE, 'worldSize');
  if (!SHA256_HEX.test(options.configHash)) {
    throw new InvalidArgumentError('configHash must be 64 lower-case hex digits (a SHA-256)', { subject: 'configHash' });
  }
  if (typeof options.config !== 'object' || options.config === null || Array.isArray(options.config)) {
    throw new InvalidArgumentError('config must be a JSON object', { subject: 'config' });
  }
  requireInteger(options.hashEvery, 0, Number.MAX_SAFE_INTEGER, 'hashEvery');
  requirePositiveDuration(options.rendezvousTimeoutMs, 'rendezvousTimeoutMs');
  requirePositiveDuration(options.heartbeatTimeoutMs, 'heartbeatTimeoutMs');
  if (options.helloTimeoutMs !== undefined) requirePositiveDuration(options.helloTimeoutMs, 'helloTimeoutMs');
  requireInteger(options.startedAtMs, 0, Number.MAX_SAFE_INTEGER, 'startedAtMs');
  if (options.minWorkers !== undefined) requireInteger(options.minWorkers, 1, options.worldSize, 'minWorkers');
  if (options.maxWorkers !== undefined) requireInteger(options.maxWorkers, options.worldSize, MAX_WORLD_SIZE, 'maxWorkers');
  if (options.replacementTimeoutMs !== undefined) requireInteger(options.replacementTimeoutMs, 0, Number.MAX_SAFE_INTEGER, 'replacementTimeoutMs');
}

/** The membership limits with their defaults filled in. */
export function membershipLimits(options: CoordinatorOptions): { minWorkers: number; maxWorkers: number; replacementTimeoutMs: number } {
  return {
    minWorkers: options.minWorkers ?? options.worldSize,
    maxWorkers: options.maxWorkers ?? options.worldSize,
    replacementTimeoutMs: options.replacementTimeoutMs ?? 0,
  };
}

/** Whether membership may change after the start: a lost member is survived or replaced, or workers may join. */
export function isElastic(options: CoordinatorOptions): boolean {
  const { minWorkers, maxWorkers, replacementTimeoutMs } = membershipLimits(options);
  return minWorkers < options.worldSize || maxWorkers > options.worldSize || replacementTimeoutMs > 0;
}
