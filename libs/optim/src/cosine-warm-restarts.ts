// torch.optim.lr_scheduler.CosineAnnealingWarmRestarts (SGDR, Loshchilov & Hutter 2017), stepped once per
// optimizer step. Cycle i lasts T_i = T_0·T_mult^i steps; within it, with T_cur steps since the last restart,
//
//   lr(t) = η_min + (lr - η_min) · (1 + cos(π·T_cur / T_i)) / 2
//
// T_cur and T_i are found by walking the cycles in integers, as torch's step() does (T_cur += 1; on reaching T_i:
// T_cur -= T_i, T_i *= T_mult), not with torch's step(epoch) logarithm, which can land one cycle off in floating point.

import type { LrSchedule } from './lr-schedule.js';
import { checkNonNegative, checkPositiveInteger } from './validate.js';

export interface CosineWarmRestartsOptions {
  /** T_0 (`--t0`): length of the first cycle in optimizer steps, positive integer. */
  t0: number;
  /** T_mult (`--t-mult`): each cycle is T_mult times longer than the one before; integer >= 1. Default 1. */
  tMult?: number;
  /** η_min (`--eta-min`), the LR at the end of every cycle, >= 0. Default 0. */
  etaMin?: number;
}

export function cosineWarmRestarts(lr: number, { t0, tMult = 1, etaMin = 0 }: CosineWarmRestartsOptions): LrSchedule {
  checkPositiveInteger(t0, '--t0');
  checkPositiveInteger(tMult, '--t-mult');
  checkNonNegative(etaMin, '--eta-min');
  return (step) => {
    let tCur = step;
    let tI = t0;
    if (tMult === 1) {
      tCur = step % t0;
    } else {
      // At most log_{T_mult}(step / T_0) + 1 iterations.
      while (tCur >= tI) {
        tCur -= tI;
        tI *= tMult;
      }
    }
    return etaMin + ((lr - etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;
  };
}
