// summary.json from the state at the end of the run. Figures come from the done messages when every rank
// sent one, else from the reports of the committed steps, so a failed run still says how far it got.

import { adaptToWorld } from '@ringtrain/optim';
import type { RunErrorInfo, RunSummary } from './run-result.js';
import type { CoordinatorState } from './state.js';

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** a / b, or null when b is 0 (nothing was timed). */
function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

/**
 * Samples per optimizer step in the final generation: batchSize × accumSteps × planned world, kept by accumulation
 * in a smaller or larger world where it divides (adaptToWorld), when the config holds both (camelCase) keys as numbers.
 */
function globalBatchSize(state: CoordinatorState, worldSize: number): number | null {
  const { batchSize, accumSteps } = state.options.config;
  if (typeof batchSize !== 'number' || typeof accumSteps !== 'number') return null;
  return adaptToWorld(batchSize, accumSteps, state.options.worldSize, worldSize).globalBatchSize;
}

/** The summary of the run ending at `nowMs` with `error` (null on success). */
export function buildSummary(state: CoordinatorState, error: RunErrorInfo | null, nowMs: number): RunSummary {
  const { options, progress, workers } = state;
  // The final generation's world; the planned one before training started.
  const worldSize = state.phase === 'rendezvous' ? options.worldSize : workers.length;
  const dones = workers.map((worker) => worker.done);
  const allDone = workers.length === worldSize && dones.every((done) => done !== null);
  const measured = progress.lastCommitted !== null || dones.some((done) => done !== null);
  // Per rank: its own totals from done when it sent one, else the sums of its committed reports.
  const computeMs = progress.totals.computeMs.map((ms, rank) => dones[rank]?.computeMs ?? ms);
  const commMs = progress.totals.commMs.map((ms, rank) => dones[rank]?.commMs ?? ms);

  let samplesPerSecond: number | null = null;
  if (allDone) {
    // samples / the slowest rank's time from its first step to its last.
    samplesPerSecond = ratio(progress.totals.samples, Math.max(...dones.map((done) => done?.trainMs ?? 0)) / 1000);
  } else if (measured) {
    // samples / the slowest rank's compute + communication time over the committed steps.
    const busyMs = progress.totals.computeMs.map((ms, rank) => ms + (progress.totals.commMs[rank] ?? 0));
    samplesPerSecond = ratio(progress.totals.samples, Math.max(...busyMs) / 1000);
  }

  const doneSteps = dones.find((done) => done !== null)?.steps;
  const committedSteps = progress.lastCommitted === null ? null : progress.lastCommitted.step + 1;
  return {
    world_size: worldSize,
    epochs: progress.evaluations,
    steps: doneSteps ?? committedSteps,
    global_batch_size: globalBatchSize(state, worldSize),
    samples_per_second: samplesPerSecond,
    wall_seconds: (nowMs - options.startedAtMs) / 1000,
    compute_seconds: measured ? mean(computeMs) / 1000 : null,
    comm_seconds: measured ? mean(commMs) / 1000 : null,
    final_train_loss: progress.lastCommitted?.meanLoss ?? null,
    test_loss: progress.latestEvaluation?.testLoss ?? null,
    test_accuracy: progress.latestEvaluation?.testAccuracy ?? null,
    param_hashes: Array.from({ length: worldSize }, (_, rank) => dones[rank]?.paramHash ?? ''),
    restarts: state.joins,
    generation: state.generation,
    status: error === null ? 'ok' : 'failed',
    error,
    started_at: new Date(options.startedAtMs).toISOString(),
    finished_at: new Date(nowMs).toISOString(),
  };
}
