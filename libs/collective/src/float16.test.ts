import { describe, expect, it } from 'vitest';
import { fromHalfBits, roundToHalf, toHalfBits } from './float16.js';

describe('float16 conversion', () => {
  it('encodes landmark values to their IEEE 754 binary16 bit patterns', () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff], // largest finite
      [65520, 0x7c00], // rounds up to Inf
      [Infinity, 0x7c00], [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // exactly half of it: ties to even -> 0
      [3 * 2 ** -25, 0x0002], // 1.5 subnormal units: ties to even -> 2
      [1 + 2 ** -11, 0x3c00], // tie between 1 and 1+2^-10: even mantissa wins
      [1 + 3 * 2 ** -11, 0x3c02], // tie: rounds to the even neighbour above
      [0.1, 0x2e66],
    ];
    for (const [value, bits] of cases) expect(toHalfBits(value), `toHalfBits(${value})`).toBe(bits);
    expect(toHalfBits(NaN) & 0x7c00).toBe(0x7c00);
    expect(Number.isNaN(fromHalfBits(toHalfBits(NaN)))).toBe(true);
  });

  it('round-trips every finite binary16 value exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      const v = fromHalfBits(h);
      expect(toHalfBits(v) === h || (v === 0 && (h & 0x7fff) === 0)).toBe(true);
    }
  });

  it('rounds to within half a unit in the last place (relative 2^-11)', () => {
    for (const v of [0.3, -1234.567, 3.14159, 1e-3, 6e4]) expect(Math.abs(roundToHalf(v) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11);
  });
});
