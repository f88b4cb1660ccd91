// torch.optim.lr_scheduler.CosineAnnealingLR in closed form:
//
//   lr(t) = η_min + (lr - η_min) · (1 + cos(π·t / T_max)) / 2
//
// torch computes the same curve recursively from the previous step's LR. In exact arithmetic the two agree for
// every t, including t > T_max: the cosine does not stop at η_min but climbs back to lr at 2·T_max, and so on with
// period 2·T_max (torch's special case at (t-1-T_max) mod 2·T_max = 0 only avoids dividing by zero there). In
// float64 they differ by a few ulps of lr; the golden test compares against torch's actual recursive outputs.

import type { LrSchedule } from './lr-schedule.js';
import { checkNonNegative, checkPositiveInteger } from './validate.js';

export interface CosineAnnealingOptions {
  /** Half-period T_max in optimizer steps (`--t-max`): lr reaches η_min at step T_max. Positive integer. */
  tMax: number;
  /** η_min (`--eta-min`), the lowest LR, >= 0. Default 0. */
  etaMin?: number;
}

export function cosineAnnealing(lr: number, { tMax, etaMin = 0 }: CosineAnnealingOptions): LrSchedule {
  checkPositiveInteger(tMax, '--t-max');
  checkNonNegative(etaMin, '--eta-min');
  return (step) => etaMin + ((lr - etaMin) * (1 + Math.cos((Math.PI * step) / tMax))) / 2;
}
