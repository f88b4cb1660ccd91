// Gradual warmup (Goyal et al. 2017, "Accurate, Large Minibatch SGD"): the LR ramps linearly from
// startFactor·lr to lr over the first W steps, then the wrapped schedule runs from its own step 0:
//
//   lr(t) = lr · (f + (1 - f) · t / W)      for t < W
//   lr(t) = inner(t - W)                    for t >= W     (inner(0) = lr for every schedule here)
//
// This is exactly torch's SequentialLR([LinearLR(start_factor=f, end_factor=1, total_iters=W), inner],
// milestones=[W]) - the golden test checks it against that - and, for a constant inner schedule, LinearLR alone.
// The wrapped schedule is shifted, not truncated: a cosine with T_max reaches η_min at step W + T_max.

import type { LrSchedule } from './lr-schedule.js';
import { checkNonNegativeInteger, checkUnitInterval } from './validate.js';

export interface LinearWarmupOptions {
  /** W (`--warmup-steps`): warmup length in optimizer steps, integer >= 0; 0 disables warmup. */
  warmupSteps: number;
  /**
   * f (`--warmup-start-factor`), in (0, 1]: the first step uses f·lr. Default 1/3, torch's LinearLR default. For
   * Goyal et al.'s recipe with the linear scaling rule, use baseBatch / globalBatch (start at the unscaled LR).
   */
  startFactor?: number;
}

export function linearWarmup(lr: number, inner: LrSchedule, { warmupSteps, startFactor = 1 / 3 }: LinearWarmupOptions): LrSchedule {
  checkNonNegativeInteger(warmupSteps, '--warmup-steps');
  checkUnitInterval(startFactor, '--warmup-start-factor', { low: true });
  if (warmupSteps === 0) return inner;
  return (step) => (step < warmupSteps ? lr * (startFactor + ((1 - startFactor) * step) / warmupSteps) : inner(step - warmupSteps));
}
