// Reading the PyTorch golden files (test/fixtures/optim, written by make_fixtures.py) and comparing against them.

import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../test/fixtures/optim/${name}`, import.meta.url), 'utf8')) as T;
}

/**
 * Expects |actual_i - expected_i| <= tolerance_i for every i, and reports the first element that is off.
 * `elementwise`: tolerance_i = rel·|expected_i|. `vectorwise`: tolerance_i = rel·max_j |expected_j|, for results of
 * chained float32 arithmetic, where cancellation can leave a small element with few correct bits while its absolute
 * error stays a few ulps of the vector's magnitude.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: readonly number[],
  rel: number,
  what: string,
  scale: 'elementwise' | 'vectorwise' = 'elementwise',
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const largest = Math.max(0, ...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const tolerance = rel * (scale === 'elementwise' ? Math.abs(e) : largest);
    const error = Math.abs(actual[i]! - e);
    if (!(error <= tolerance)) {
      expect.fail(`${what}[${i}] = ${actual[i]}, expected ${e} (error ${error} > tolerance ${tolerance})`);
    }
  }
}

/** sgd.json / adamw.json: one parameter vector, a gradient and an LR per step, torch's parameters after each step. */
export interface OptimizerFixture<Options> {
  params0: number[];
  grads: number[][];
  lrs: number[];
  cases: { name: string; options: Options; params: number[][]; state: Record<string, number[]> }[];
}

/**
 * Chained float32 updates: torch rounds every intermediate tensor to float32 (and may fuse multiply-adds), this lib
 * rounds where torch stores a tensor. Seven steps of that measure at most ~3e-7 of the vector's magnitude (about
 * three float32 ulps); 1e-6 leaves room while any formula slip (a wrong first buffer, a misplaced ε) is off by >1e-4.
 */
export const OPTIMIZER_TOLERANCE = 1e-6;
