import { describe, expect, it } from 'vitest';
import { adaptToWorld } from './elastic-batch.js';

describe('adaptToWorld', () => {
  it('keeps the planned world unchanged', () => {
    expect(adaptToWorld(32, 2, 3, 3)).toEqual({ accumSteps: 2, lrFactor: 1, globalBatchSize: 192 });
  });

  it('keeps the global batch by accumulation when accumSteps x plannedWorld divides by the new world', () => {
    // 3 workers x accumulation 2 = 6 micro-batches per step; 2 workers need 6 / 2 = 3 each: 32 x 6 = 192 samples.
    expect(adaptToWorld(32, 2, 3, 2)).toEqual({ accumSteps: 3, lrFactor: 1, globalBatchSize: 192 });
    // 4 workers x 1 -> 2 workers x 2, and a world that grows: 2 workers x 4 -> 4 workers x 2.
    expect(adaptToWorld(16, 1, 4, 2)).toEqual({ accumSteps: 2, lrFactor: 1, globalBatchSize: 64 });
    expect(adaptToWorld(16, 4, 2, 4)).toEqual({ accumSteps: 2, lrFactor: 1, globalBatchSize: 128 });
  });

  it('scales the LR linearly with the global batch when accumulation cannot absorb the change', () => {
    // 3 workers x 1 -> 2 workers x 1: the global batch goes 3b -> 2b, the LR x 2/3.
    expect(adaptToWorld(32, 1, 3, 2)).toEqual({ accumSteps: 1, lrFactor: 2 / 3, globalBatchSize: 64 });
    // Growing past the plan without a divisor: 2 workers x 1 -> 3 workers x 1, LR x 3/2.
    expect(adaptToWorld(8, 1, 2, 3)).toEqual({ accumSteps: 1, lrFactor: 1.5, globalBatchSize: 24 });
  });

  it('refuses sizes that are not positive integers', () => {
    expect(() => adaptToWorld(32, 1, 3, 0)).toThrow(/world size/);
    expect(() => adaptToWorld(32, 0, 3, 2)).toThrow(/--accum-steps/);
  });
});
