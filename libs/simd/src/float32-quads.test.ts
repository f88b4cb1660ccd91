import { describe, expect, it } from 'vitest';
import { f32add, f32mul, f32sub, quadKernel } from './float32-quads.js';
import { runner } from './kernel-runner.js';
import { allocateSimdBuffer } from './simd-memory.js';

const f = Math.fround;

describe('quadKernel', () => {
  // out[i] = (x[i]·s + y[i]) - s, every operation in float32; y[i] += x[i] through a temporary.
  const run = runner<{ kernel: (...args: number[]) => void }>([
    quadKernel({
      name: 'kernel',
      arrays: ['x', 'y', 'out'],
      scalars: ['s'],
      temps: ['xy'],
      unroll: 2,
      body: (k) => [
        ...k.store('out', f32sub(f32add(f32mul(k.load('x'), k.scalar('s')), k.load('y')), k.scalar('s'))),
        ...k.set('xy', f32add(k.load('x'), k.load('y'))),
        ...k.store('y', k.get('xy')),
      ],
    }),
  ]);

  it('computes in float32, as Math.fround around every operation does, over whole iterations only', () => {
    // 11 elements, 8 per iteration (2 quads): elements 8-10 are the caller's.
    const x = allocateSimdBuffer(11);
    const y = allocateSimdBuffer(11);
    const out = allocateSimdBuffer(11).fill(-1);
    // with an overflow to Infinity (3e38 + 3e38) and a sum 2^24 + 1 that float32 cannot hold
    x.set([1, -2.5, 3e-5, 7, 1, 16777216, 3e38, -0, 5, 6, 7]);
    y.set([1e-8, 0.5, 9, 1e-3, 4, 1, 3e38, 0, 1, 1, 1]);
    const [x0, y0] = [x.slice(), y.slice()];
    const s = 1 / 3; // passed as float32: Math.fround(1/3)
    expect(run((k) => k.kernel, [x, y, out], [s])).toEqual({ covered: 8, result: undefined });
    const s32 = f(s);
    const expected = [...x0.subarray(0, 8)].map((xi, i) => f(f(f(xi * s32) + y0[i]!) - s32));
    expect([...out.subarray(0, 8)]).toEqual(expected);
    expect([...out.subarray(8)]).toEqual([-1, -1, -1]);
    expect([...y.subarray(0, 8)]).toEqual([...x0.subarray(0, 8)].map((xi, i) => f(xi + y0[i]!)));
    expect([...y.subarray(8)]).toEqual([1, 1, 1]);
    // Float32 operations, not a float64 expression rounded at the end: 1·s + 1e-8 rounds back to s in float32,
    // so the float32 result is 0 where the float64 one is 1e-8.
    expect(out[0]).toBe(0);
    expect(out[0]).not.toBe(f(x0[0]! * s32 + y0[0]! - s32));
  });
});
