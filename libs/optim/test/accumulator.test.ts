import { InvalidArgumentError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { Accumulator } from '../src/index.js';

describe('Accumulator', () => {
  it('sums accumSteps loss-scaled micro-batch gradients into their mean', () => {
    // accumSteps 4, lossScale 1/4; micro-batch gradients (of the unscaled loss) 1, 2, 3, 6 in one coordinate.
    // Scaled by 1/4 before adding: 0.25 + 0.5 + 0.75 + 1.5 = 3 = mean(1, 2, 3, 6).
    const acc = new Accumulator(2, 4);
    expect(acc.lossScale).toBe(0.25);
    const full = [1, 2, 3, 6].map((g) => acc.add(new Float32Array([g * acc.lossScale, -g * acc.lossScale])));
    expect(full).toEqual([false, false, false, true]);
    expect(acc.isFull).toBe(true);
    expect(acc.count).toBe(4);
    expect(acc.sum).toEqual(new Float32Array([3, -3]));
  });

  it('refuses a micro-batch into a full window, and starts over after reset', () => {
    const acc = new Accumulator(1, 2);
    acc.add(new Float32Array([1]));
    acc.add(new Float32Array([1]));
    expect(() => acc.add(new Float32Array([1]))).toThrow(InvalidArgumentError);
    expect(() => acc.add(new Float32Array([1]))).toThrow('the accumulation window of 2 micro-batches is full');
    acc.reset();
    expect([acc.count, acc.isFull, acc.sum[0]]).toEqual([0, false, 0]);
    expect(acc.add(new Float32Array([5]))).toBe(false);
    expect(acc.sum[0]).toBe(5);
  });

  it('with accumSteps 1 every micro-batch is a full window and the sum is the gradient itself', () => {
    const acc = new Accumulator(3, 1);
    expect(acc.lossScale).toBe(1);
    expect(acc.add(new Float32Array([0.1, 0.2, 0.3]))).toBe(true);
    expect(acc.sum).toEqual(new Float32Array([0.1, 0.2, 0.3]));
  });

  it('rejects a bad --accum-steps and a gradient of another length', () => {
    expect(() => new Accumulator(3, 0)).toThrow('--accum-steps must be a positive integer, got 0');
    expect(() => new Accumulator(3, 2).add(new Float32Array(2))).toThrow('grads has 2 elements, expected 3');
  });
});
