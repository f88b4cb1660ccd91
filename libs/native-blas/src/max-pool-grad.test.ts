import { describe, expect, it } from 'vitest';
import type { PoolGeometry } from './index.js';
import { pseudoRandom, skipWithoutBlas, testBlas } from './test-support.js';


/** The pool's gradient written out: per window and channel, dy goes to the first tap (row-major) with x > all before. */
function reference(g: PoolGeometry, x: Float32Array, dy: Float32Array): Float32Array {
  const dx = new Float32Array(x.length);
  for (let n = 0; n < g.n; n++) for (let oh = 0; oh < g.oh; oh++) for (let ow = 0; ow < g.ow; ow++) for (let d = 0; d < g.c; d++) {
    let best = Number.NEGATIVE_INFINITY;
    let position = -1;
    for (let r = oh * g.strideH - g.padTop; r < oh * g.strideH - g.padTop + g.effectiveFilterH; r += g.dilationH) {
      for (let c = ow * g.strideW - g.padLeft; c < ow * g.strideW - g.padLeft + g.effectiveFilterW; c += g.dilationW) {
        if (r < 0 || r >= g.h || c < 0 || c >= g.w) continue;
        const at = ((n * g.h + r) * g.w + c) * g.c + d;
        if (x[at]! > best) {
          best = x[at]!;
          position = at;
        }
      }
    }
    if (position >= 0) dx[position]! += dy[((n * g.oh + oh) * g.ow + ow) * g.c + d]!;
  }
  return dx;
}

const base: PoolGeometry = { n: 2, h: 6, w: 6, c: 3, oh: 3, ow: 3, strideH: 2, strideW: 2, dilationH: 1, dilationW: 1, effectiveFilterH: 2, effectiveFilterW: 2, padTop: 0, padLeft: 0 };

describe.skipIf(skipWithoutBlas)('native maxPoolGrad', () => {
  const blas = testBlas;

  it.each([
    { name: '2x2 stride 2 (the cnn pool)', g: base },
    { name: "3x3 stride 2, 'same' padding: overlapping windows add up", g: { ...base, h: 7, w: 7, oh: 4, ow: 4, effectiveFilterH: 3, effectiveFilterW: 3, padTop: 1, padLeft: 1 } },
    { name: '3x3 stride 1', g: { ...base, oh: 4, ow: 4, strideH: 1, strideW: 1, effectiveFilterH: 3, effectiveFilterW: 3 } },
    { name: 'dilation 2 (effective 3x3)', g: { ...base, h: 7, w: 7, oh: 3, ow: 3, dilationH: 2, dilationW: 2, effectiveFilterH: 3, effectiveFilterW: 3 } },
  ])('matches the written-out gradient: $name', ({ g }) => {
    // Half the values clamped to 0, as after a ReLU: many windows tie, and only the first maximum may get dy.
    const x = pseudoRandom(g.n * g.h * g.w * g.c, 1).map((v) => Math.max(0, v));
    const dy = pseudoRandom(g.n * g.oh * g.ow * g.c, 2);
    const dx = new Float32Array(x.length).fill(Number.NaN);
    blas.maxPoolGrad({ x, dy, dx, geometry: g });
    expect(Array.from(dx)).toEqual(Array.from(reference(g, x, dy)));
  });

  it('passes nothing from a window without a value above -infinity', () => {
    const x = new Float32Array([Number.NEGATIVE_INFINITY, Number.NaN, Number.NEGATIVE_INFINITY, Number.NaN]);
    const dx = new Float32Array(4).fill(7);
    blas.maxPoolGrad({ x, dy: new Float32Array([5]), dx, geometry: { ...base, n: 1, h: 2, w: 2, c: 1, oh: 1, ow: 1 } });
    expect(Array.from(dx)).toEqual([0, 0, 0, 0]);
  });

  it('refuses geometries whose sizes overflow 64 bits, and handles a huge padding without looping over it', () => {
    const e = 2 ** 16;
    const empty = new Float32Array(0);
    expect(() => blas.maxPoolGrad({ x: empty, dy: empty, dx: empty, geometry: { ...base, n: e, h: e, w: e, c: e, oh: e, ow: e } })).toThrow(/sizes overflow/);
    // Every window lies in the padding: nothing to pass, and it must return at once.
    const dx = new Float32Array(2 * 6 * 6 * 3).fill(7);
    blas.maxPoolGrad({ x: new Float32Array(dx.length), dy: new Float32Array(2 * 3 * 3 * 3), dx, geometry: { ...base, padTop: 2 ** 30, padLeft: 2 ** 30 } });
    expect(dx.every((v) => v === 0)).toBe(true);
  });

  it('refuses arrays whose lengths do not match the geometry', () => {
    const x = new Float32Array(2 * 6 * 6 * 3);
    const dy = new Float32Array(2 * 3 * 3 * 3);
    expect(() => blas.maxPoolGrad({ x, dy, dx: new Float32Array(x.length - 1), geometry: base })).toThrow(expect.objectContaining({ name: 'RangeError', code: 'E_INVALID_ARGUMENT' }));
    expect(() => blas.maxPoolGrad({ x, dy: x, dx: new Float32Array(x.length), geometry: base })).toThrow(/length does not match the geometry/);
    expect(() => blas.maxPoolGrad({ x, dy, dx: new Float32Array(x.length), geometry: { ...base, strideH: 0 } })).toThrow(/geometry entries out of range/);
  });
});
