// The metrics.jsonl record of a step, from the reports of every rank. The scalars every rank shares (epoch,
// lr, grad_norm: the schedule is a pure function of the step and the norm is taken on the averaged
// gradient) come from rank 0; the rest combine the ranks.

import type { StepReport } from '@ringtrain/protocol';
import type { StepMetricsRecord } from './commands.js';

/**
 * `reports` indexed by rank, all of one step:
 *   loss               = Σ_r loss_r / N
 *   samples_per_second = Σ_r samples_r / (max_r stepMs_r / 1000)   (the slowest rank paces the step)
 *   step_ms, compute_ms, comm_ms = max over ranks
 */
export function stepMetrics(reports: readonly StepReport[], generation: number): StepMetricsRecord {
  const first = reports[0]!;
  let lossSum = 0;
  let samples = 0;
  let slowestMs = 0;
  let computeMs = 0;
  let commMs = 0;
  for (const report of reports) {
    lossSum += report.loss;
    samples += report.samples;
    slowestMs = Math.max(slowestMs, report.timings.stepMs);
    computeMs = Math.max(computeMs, report.timings.computeMs);
    commMs = Math.max(commMs, report.timings.commMs);
  }
  return {
    step: first.step,
    epoch: first.epoch,
    lr: first.lr,
    loss: lossSum / reports.length,
    grad_norm: first.gradNorm,
    total_steps: first.totalSteps ?? null,
    samples_per_second: slowestMs > 0 ? samples / (slowestMs / 1000) : null,
    step_ms: slowestMs,
    compute_ms: computeMs,
    comm_ms: commMs,
    generation,
  };
}
