import { InvalidArgumentError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { buildSchedule, type ScheduleOptions } from '../src/index.js';
import { expectClose, loadFixture } from './golden.js';

interface ScheduleFixture {
  cases: { name: string; options: ScheduleOptions; lrs: number[] }[];
}

const fixture = loadFixture<ScheduleFixture>('schedules.json');

// torch's schedulers compute each LR from the previous one (float64); the closed forms here evaluate each step
// directly. Over 450 steps the two differ by at most ~1e-14 of the base LR, so 1e-12·lr tests float64 agreement
// while any off-by-one step or wrong period is off by more than 1e-3·lr.
const SCHEDULE_TOLERANCE = 1e-12;

describe('buildSchedule', () => {
  it.each(fixture.cases)('matches torch\'s scheduler outputs: $name', ({ options, lrs }) => {
    const lrAt = buildSchedule(options);
    lrs.forEach((expected, step) => {
      const actual = lrAt(step);
      if (!(Math.abs(actual - expected) <= SCHEDULE_TOLERANCE * options.lr)) {
        expect.fail(`step ${step}: lr ${actual}, torch ${expected}`);
      }
    });
  });

  it('continues the cosine past T_max: back up to lr at 2·T_max', () => {
    // η_min + (lr - η_min)(1 + cos(π t/T))/2 with lr 1, η_min 0, T 4:
    //   t = 2: 0.5   t = 4: 0   t = 6: 0.5   t = 8: 1
    const lrAt = buildSchedule({ lr: 1, scheduler: 'cosine', tMax: 4 });
    expectClose([2, 4, 6, 8].map(lrAt), [0.5, 0, 0.5, 1], 1e-12, 'lr', 'vectorwise');
  });

  it('restarts with cycles T_0, T_0·T_mult, T_0·T_mult², ...', () => {
    // T_0 3, T_mult 2: restarts (lr back to 1) at steps 0, 3, 3+6 = 9, 9+12 = 21.
    const lrAt = buildSchedule({ lr: 1, scheduler: 'cosine-restarts', t0: 3, tMult: 2 });
    const restarts = Array.from({ length: 30 }, (_, t) => t).filter((t) => lrAt(t) === 1);
    expect(restarts).toEqual([0, 3, 9, 21]);
  });

  it('ramps the warmup from startFactor·lr to lr, then starts the wrapped schedule at its step 0', () => {
    // lr 0.8, W 4, f 0.5: 0.8·(0.5 + 0.5·t/4) = 0.4, 0.5, 0.6, 0.7; then StepLR(2, 0.5) from its own step 0.
    const lrAt = buildSchedule({ lr: 0.8, scheduler: 'step', stepSize: 2, gamma: 0.5, warmupSteps: 4, warmupStartFactor: 0.5 });
    expectClose(Array.from({ length: 9 }, (_, t) => lrAt(t)), [0.4, 0.5, 0.6, 0.7, 0.8, 0.8, 0.4, 0.4, 0.2], 1e-12, 'lr');
  });

  describe('defaults from the run length', () => {
    const run = { totalSteps: 100, stepsPerEpoch: 10 };

    it('T_max is the steps after warmup: the cosine ends with the run', () => {
      const lrAt = buildSchedule({ lr: 1, scheduler: 'cosine', warmupSteps: 20 }, run);
      expect(lrAt(20)).toBe(1);
      expect(lrAt(100)).toBe(0);
    });

    it('T_0 is one epoch', () => {
      const lrAt = buildSchedule({ lr: 1, scheduler: 'cosine-restarts' }, run);
      expect([lrAt(0), lrAt(10), lrAt(20)]).toEqual([1, 1, 1]);
      expect(lrAt(5)).toBeCloseTo(0.5, 12);
    });

    it('a default that cannot be resolved is an error naming the flag', () => {
      expect(() => buildSchedule({ lr: 1, scheduler: 'cosine' })).toThrow('--t-max is required');
      expect(() => buildSchedule({ lr: 1, scheduler: 'cosine', warmupSteps: 100 }, run)).toThrow(
        "--t-max defaults to the run's steps after warmup, which is 0; set --t-max",
      );
      expect(() => buildSchedule({ lr: 1, scheduler: 'step' })).toThrow('--step-size is required with --scheduler step');
    });
  });

  it.each([
    [{ lr: -0.1 }, '--lr must be a finite number >= 0, got -0.1'],
    [{ lr: 0.1, scheduler: 'cosine', tMax: 0 }, '--t-max must be a positive integer, got 0'],
    [{ lr: 0.1, scheduler: 'cosine', tMax: 2.5 }, '--t-max must be a positive integer, got 2.5'],
    [{ lr: 0.1, scheduler: 'cosine', tMax: 10, etaMin: -1 }, '--eta-min must be a finite number >= 0, got -1'],
    [{ lr: 0.1, scheduler: 'cosine-restarts', t0: 0 }, '--t0 must be a positive integer, got 0'],
    [{ lr: 0.1, scheduler: 'cosine-restarts', t0: 5, tMult: 0 }, '--t-mult must be a positive integer, got 0'],
    [{ lr: 0.1, scheduler: 'cosine-restarts', t0: 5, tMult: 1.5 }, '--t-mult must be a positive integer, got 1.5'],
    [{ lr: 0.1, scheduler: 'step', stepSize: 0 }, '--step-size must be a positive integer, got 0'],
    [{ lr: 0.1, scheduler: 'step', stepSize: 5, gamma: 0 }, '--gamma must be a finite number > 0, got 0'],
    [{ lr: 0.1, warmupSteps: -1 }, '--warmup-steps must be a non-negative integer, got -1'],
    [{ lr: 0.1, warmupSteps: 5, warmupStartFactor: 0 }, '--warmup-start-factor must be in (0, 1], got 0'],
    [{ lr: 0.1, scheduler: 'linear' as never }, '--scheduler must be one of constant, cosine, cosine-restarts, step, got linear'],
  ] as [ScheduleOptions, string][])('rejects %o', (options, message) => {
    expect(() => buildSchedule(options)).toThrow(InvalidArgumentError);
    expect(() => buildSchedule(options)).toThrow(message);
  });

  it('rejects a step that is not a non-negative integer', () => {
    const lrAt = buildSchedule({ lr: 0.1 });
    expect(() => lrAt(-1)).toThrow('step must be a non-negative integer, got -1');
    expect(() => lrAt(0.5)).toThrow('step must be a non-negative integer, got 0.5');
  });
});
