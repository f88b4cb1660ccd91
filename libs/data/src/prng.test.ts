import { describe, expect, it } from 'vitest';
import { readFixture } from '../test/read-fixture.js';
import { seededPermutation } from './permutation.js';
import { Mulberry32, mixSeed } from './prng.js';

interface ShuffleFixture {
  mulberry32: { state: number; uint32: number[] }[];
  mixSeed: { parts: number[]; state: number }[];
  nextBelow: { state: number; bound: number; draws: number[] }[];
}

const golden = readFixture<ShuffleFixture>('ringtrain_shuffle.json');

describe('Mulberry32', () => {
  it.each(golden.mulberry32)('matches the C reference (via Python, uint32 masks) from state $state', ({ state, uint32 }) => {
    const rng = new Mulberry32(state);
    expect(uint32.map(() => rng.nextUint32())).toEqual(uint32);
  });

  it('gives the widely published first float of mulberry32(0): 1144304738 / 2^32', () => {
    expect(new Mulberry32(0).nextFloat()).toBe(0.26642920868471265);
  });

  it.each(golden.nextBelow)('nextBelow($bound) matches the reference, rejections included', ({ state, bound, draws }) => {
    const rng = new Mulberry32(state);
    expect(draws.map(() => rng.nextBelow(bound))).toEqual(draws);
  });

  it('nextBelow is uniform: 60,000 draws of [0, 6) give each face 10,000 +- 5 sigma', () => {
    // Each count is Binomial(60000, 1/6): sigma = sqrt(60000 * 1/6 * 5/6) = 91.3.
    const rng = new Mulberry32(mixSeed(123));
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[rng.nextBelow(6)]!++;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(5 * 91.3);
  });

  it('nextGaussian has mean 0 and variance 1 (20,000 draws, 5 sigma bounds)', () => {
    // sd of the mean = 1/sqrt(n) = 0.00707; sd of the sample variance = sqrt(2/n) = 0.01.
    const rng = new Mulberry32(mixSeed(9));
    const n = 20_000;
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.nextGaussian();
      sum += x;
      sumSquares += x * x;
    }
    const mean = sum / n;
    expect(Math.abs(mean)).toBeLessThan(5 * 0.00707);
    expect(Math.abs(sumSquares / n - mean * mean - 1)).toBeLessThan(5 * 0.01);
  });
});

describe('mixSeed', () => {
  it.each(golden.mixSeed)('folds $parts into the reference state', ({ parts, state }) => {
    expect(mixSeed(...parts)).toBe(state);
  });
});

describe('seededPermutation', () => {
  it('is a permutation of 0..n-1, the same for the same state and different for another', () => {
    const a = seededPermutation(1000, 5);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(seededPermutation(1000, 5)).toEqual(a);
    expect(seededPermutation(1000, 6)).not.toEqual(a);
  });

  it('puts element 0 in every position equally often over many states (4 sigma per cell)', () => {
    // Over 12,000 shuffles of 4 elements, the position of 0 is uniform: 3,000 +- sqrt(12000 * 1/4 * 3/4) = 47.4.
    const hits = [0, 0, 0, 0];
    for (let state = 0; state < 12_000; state++) hits[seededPermutation(4, mixSeed(state)).indexOf(0)]!++;
    for (const count of hits) expect(Math.abs(count - 3000)).toBeLessThan(4 * 47.4);
  });
});
