// The learning rate as a pure function of the global optimizer step. Every rank evaluates the same function at the
// same step, so every rank uses the same LR without exchanging it, and a resumed run continues the curve exactly.

import { InvalidArgumentError } from '@ringtrain/common';
import { cosineAnnealing } from './cosine-annealing.js';
import { cosineWarmRestarts } from './cosine-warm-restarts.js';
import { linearWarmup } from './linear-warmup.js';
import { stepDecay } from './step-decay.js';
import { checkNonNegative, checkNonNegativeInteger } from './validate.js';

/**
 * lrAt(step): the LR of optimizer step `step` (0-based), i.e. torch's `param_groups[0]['lr']` after `step` calls
 * of `scheduler.step()`. `step` must be a non-negative integer.
 */
export type LrSchedule = (step: number) => number;

export const SCHEDULER_NAMES = ['constant', 'cosine', 'cosine-restarts', 'step'] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

/** The schedule options of the CLI and config file, by flag. Options of other schedulers are ignored. */
export interface ScheduleOptions {
  /** Base LR (`--lr`), >= 0. */
  lr: number;
  /**
   * `--scheduler`, default 'constant'. 'cosine' is CosineAnnealingLR (tMax, etaMin), 'cosine-restarts'
   * CosineAnnealingWarmRestarts (t0, tMult, etaMin), 'step' StepLR (stepSize, gamma).
   */
  scheduler?: SchedulerName;
  /** `--t-max`, cosine half-period in steps. Default: the run's steps after warmup (see RunLength). */
  tMax?: number;
  /** `--eta-min`, the floor of both cosine schedules. Default 0. */
  etaMin?: number;
  /** `--t0`, first restart cycle in steps. Default: one epoch's steps (see RunLength). */
  t0?: number;
  /** `--t-mult`, integer growth factor of restart cycles. Default 1. */
  tMult?: number;
  /** `--step-size`, steps between StepLR decays. Required for 'step'. */
  stepSize?: number;
  /** `--gamma`, StepLR decay factor, > 0. Default 0.1. */
  gamma?: number;
  /** `--warmup-steps`, linear warmup in front of any scheduler (see linear-warmup.ts). Default 0. */
  warmupSteps?: number;
  /** `--warmup-start-factor`, in (0, 1]: the first warmup step uses this fraction of lr. Default 1/3. */
  warmupStartFactor?: number;
}

/** What the run knows about its own length; only needed when tMax or t0 is left to its default. */
export interface RunLength {
  /** Optimizer steps in the whole run. tMax defaults to totalSteps - warmupSteps: one anneal that ends with the run. */
  totalSteps: number;
  /** Optimizer steps per epoch. t0 defaults to it: one restart per epoch. */
  stepsPerEpoch: number;
}

function withDefault(value: number | undefined, option: string, fallback: (run: RunLength) => number, how: string, run?: RunLength): number {
  if (value !== undefined) return value;
  if (run === undefined) {
    throw new InvalidArgumentError(`${option} is required (it defaults to ${how}, which is not known here)`, { subject: option });
  }
  const resolved = fallback(run);
  if (!(resolved > 0)) {
    throw new InvalidArgumentError(`${option} defaults to ${how}, which is ${resolved}; set ${option}`, { subject: option });
  }
  return resolved;
}

function innerSchedule(options: ScheduleOptions, warmupSteps: number, run?: RunLength): LrSchedule {
  const { lr, scheduler = 'constant', etaMin } = options;
  switch (scheduler) {
    case 'constant':
      return () => lr;
    case 'cosine': {
      const tMax = withDefault(options.tMax, '--t-max', (r) => r.totalSteps - warmupSteps, 'the run\'s steps after warmup', run);
      return cosineAnnealing(lr, { tMax, etaMin });
    }
    case 'cosine-restarts': {
      const t0 = withDefault(options.t0, '--t0', (r) => r.stepsPerEpoch, 'one epoch\'s steps', run);
      return cosineWarmRestarts(lr, { t0, tMult: options.tMult, etaMin });
    }
    case 'step':
      if (options.stepSize === undefined) {
        throw new InvalidArgumentError('--step-size is required with --scheduler step', { subject: '--step-size' });
      }
      return stepDecay(lr, { stepSize: options.stepSize, gamma: options.gamma });
    default:
      throw new InvalidArgumentError(`--scheduler must be one of ${SCHEDULER_NAMES.join(', ')}, got ${String(scheduler)}`, {
        subject: '--scheduler',
      });
  }
}

/** Validates `options` (InvalidArgumentError naming the flag) and returns the schedule they describe. */
export function buildSchedule(options: ScheduleOptions, run?: RunLength): LrSchedule {
  checkNonNegative(options.lr, '--lr');
  const warmupSteps = options.warmupSteps ?? 0;
  checkNonNegativeInteger(warmupSteps, '--warmup-steps');
  const schedule = linearWarmup(options.lr, innerSchedule(options, warmupSteps, run), {
    warmupSteps,
    startFactor: options.warmupStartFactor,
  });
  return (step) => {
    checkNonNegativeInteger(step, 'step');
    return schedule(step);
  };
}
