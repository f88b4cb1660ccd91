// torch.optim.lr_scheduler.StepLR in closed form: lr(t) = lr · γ^⌊t / step_size⌋. torch multiplies the previous
// LR by γ at every multiple of step_size instead; the results differ by float64 rounding only.

import type { LrSchedule } from './lr-schedule.js';
import { checkPositive, checkPositiveInteger } from './validate.js';

export interface StepDecayOptions {
  /** step_size (`--step-size`): optimizer steps between two decays, positive integer. */
  stepSize: number;
  /** γ (`--gamma`): the factor applied at each decay, > 0. Default 0.1, torch's default. */
  gamma?: number;
}

export function stepDecay(lr: number, { stepSize, gamma = 0.1 }: StepDecayOptions): LrSchedule {
  checkPositiveInteger(stepSize, '--step-size');
  checkPositive(gamma, '--gamma');
  return (step) => lr * gamma ** Math.floor(step / stepSize);
}
