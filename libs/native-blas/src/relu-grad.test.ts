import { describe, expect, it } from 'vitest';
import { skipWithoutBlas, testBlas } from './test-support.js';


describe.skipIf(skipWithoutBlas)('native reluGrad', () => {
  const blas = testBlas;

  it('is dy · step(x) bit for bit, with step(NaN) = NaN, as tfjs computes it (NaN payloads aside)', () => {
    const specials = [0, -0, 1.5, -2.5, 1e-40, -1e-40, Infinity, -Infinity, Number.NaN];
    const x = new Float32Array(specials.flatMap((a) => specials.map(() => a)));
    const dy = new Float32Array(specials.flatMap(() => specials));
    const dx = new Float32Array(x.length).fill(123);
    blas.reluGrad({ dy, x, dx });
    // step(x) written out, then the float32 product (the step is 1, 0 or NaN, so the double product rounds to it).
    const step = (v: number) => (v > 0 ? 1 : Number.isNaN(v) ? Number.NaN : 0);
    const want = Float32Array.from(x, (v, i) => dy[i]! * step(v));
    // NaN where the product is NaN (its sign and payload vary by machine); every other result bit for bit.
    expect(Array.from(dx, Number.isNaN)).toEqual(Array.from(want, Number.isNaN));
    const bits = (values: Float32Array) => Array.from(new Uint32Array(values.buffer)).filter((_, i) => !Number.isNaN(values[i]));
    expect(bits(dx)).toEqual(bits(want));
  });

  it('refuses arrays of different lengths', () => {
    expect(() => blas.reluGrad({ dy: new Float32Array(3), x: new Float32Array(4), dx: new Float32Array(4) })).toThrow(
      expect.objectContaining({ name: 'RangeError', code: 'E_INVALID_ARGUMENT' }),
    );
  });
});
