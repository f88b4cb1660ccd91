import { describe, expect, it } from 'vitest';
import { planBuckets } from './gradient-buckets.js';

const MB = 4; // bytes per float32: a bucket of 4*k bytes holds k elements

describe('planBuckets', () => {
  it('fuses small tensors from the last one back, and starts a new bucket for one that does not fit', () => {
    // tensors [0,3) [3,5) [5,9) [9,10) with room for 5 elements: from the end, 1+4 = 5 fits, 2 + 3 = 5 fits.
    expect(planBuckets([3, 2, 4, 1], 5 * MB)).toEqual([
      { start: 5, end: 10 },
      { start: 0, end: 5 },
    ]);
    // room for 4: [9,10)+[5,9) would be 5 > 4, so [9,10) goes alone; then [5,9); then [3,5)+... 2+3 = 5 > 4.
    expect(planBuckets([3, 2, 4, 1], 4 * MB)).toEqual([
      { start: 9, end: 10 },
      { start: 5, end: 9 },
      { start: 3, end: 5 },
      { start: 0, end: 3 },
    ]);
  });

  it('splits a tensor larger than a bucket into full buckets from its end', () => {
    // one tensor of 10 with room for 4: [6,10) [2,6) [0,2)
    expect(planBuckets([10], 4 * MB)).toEqual([
      { start: 6, end: 10 },
      { start: 2, end: 6 },
      { start: 0, end: 2 },
    ]);
    // a small tensor after a big one: [10,11) then the big one [0,10) split as above, the first piece shares nothing
    expect(planBuckets([10, 1], 4 * MB)).toEqual([
      { start: 10, end: 11 },
      { start: 6, end: 10 },
      { start: 2, end: 6 },
      { start: 0, end: 2 },
    ]);
  });

  it('covers the vector exactly, in one bucket when it fits, with sizes that are not multiples of 4 bytes', () => {
    expect(planBuckets([784 * 512, 512, 512 * 10, 10], 64 << 20)).toEqual([{ start: 0, end: 784 * 512 + 512 + 5120 + 10 }]);
    // 9 bytes hold 2 elements: tensor [2,5) splits into [3,5) and [2,3); tensor [0,2) does not fit next to [2,3).
    expect(planBuckets([2, 3], 9)).toEqual([{ start: 3, end: 5 }, { start: 2, end: 3 }, { start: 0, end: 2 }]);
    expect(planBuckets([], 16)).toEqual([]);
  });

  it('refuses a bucket smaller than one element', () => {
    expect(() => planBuckets([1], 3)).toThrow(/--bucket-mb must allow at least one float32/);
  });
});
