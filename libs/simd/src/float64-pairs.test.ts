import { describe, expect, it } from 'vitest';
import { add, div, fround, laneSum, max, mul, pairKernel, sqrt, sub, type Pair } from './float64-pairs.js';
import { runner } from './kernel-runner.js';
import { allocateSimdBuffer, SimdMemory } from './simd-memory.js';
import { assembleModule, instantiate } from './wasm-assembler.js';

describe('pairKernel', () => {
  // out[i] = fround(x[i]·s + √y[i]) for the even prefix, returning Σ x[i]·s (float64, lanes summed).
  const module = assembleModule([
    pairKernel({
      name: 'kernel',
      arrays: ['x', 'y', 'out'],
      scalars: ['s'],
      temps: ['xs', 'sum'],
      body: (k) => [
        ...k.set('xs', mul(k.load('x'), k.scalar('s'))),
        ...k.store('out', fround(add(k.get('xs'), sqrt(k.load('y'))))),
        ...k.set('sum', add(k.get('sum'), k.get('xs'))),
      ],
      result: (k) => laneSum(k.get('sum')),
    }),
  ]);

  it('computes what the same JavaScript loop computes, over the even prefix only', () => {
    const memory = new SimdMemory();
    const { kernel } = instantiate<{ kernel: (x: number, y: number, out: number, evenBytes: number, s: number) => number }>(module, memory);
    const [x, y, out] = [memory.allocate(5), memory.allocate(5), memory.allocate(5)];
    x.set([0.1, -2.5, 3e-5, 7, 1]);
    y.set([2, 0.5, 9, 1e-3, 4]);
    out.fill(-1);
    const s = 1 / 3;
    const sum = kernel(x.byteOffset, y.byteOffset, out.byteOffset, 16, s);
    const expected = [0, 1, 2, 3].map((i) => Math.fround(x[i]! * s + Math.sqrt(y[i]!)));
    expect([...out.subarray(0, 4)]).toEqual(expected);
    expect(out[4]).toBe(-1); // beyond evenBytes: untouched
    expect(sum).toBe((x[0]! * s + x[2]! * s) + (x[1]! * s + x[3]! * s));
  });

  it('numbers several scalars and temporaries apart, and subtracts, divides and takes maxima like JavaScript', () => {
    // out[i] = max(a[i] - s, a[i] / t), out2[i] = t - a[i] (through two temporaries)
    const twoScalars = assembleModule([
      pairKernel({
        name: 'kernel',
        arrays: ['a', 'out', 'out2'],
        scalars: ['s', 't'],
        temps: ['x', 'y'],
        body: (k) => [
          ...k.set('x', sub(k.load('a'), k.scalar('s'))),
          ...k.set('y', div(k.load('a'), k.scalar('t'))),
          ...k.store('out', max(k.get('x'), k.get('y'))),
          ...k.store('out2', sub(k.scalar('t'), k.load('a'))),
        ],
      }),
    ]);
    const memory = new SimdMemory();
    const { kernel } = instantiate<{ kernel: (a: number, out: number, out2: number, evenBytes: number, s: number, t: number) => void }>(twoScalars, memory);
    const [a, out, out2] = [memory.allocate(6), memory.allocate(6), memory.allocate(6)];
    a.set([3, -0, 1e-3, -7.25, NaN, 2 ** 100]);
    const [s, t] = [0.1, -3];
    kernel(a.byteOffset, out.byteOffset, out2.byteOffset, 24, s, t);
    const expected = Float32Array.from(a, (x) => Math.max(x - s, x / t));
    const expected2 = Float32Array.from(a, (x) => t - x);
    expect([...out]).toEqual([...expected]);
    expect([...out2]).toEqual([...expected2]);
  });

  it('unrolls: copy c of the body works on the c-th pair of each iteration, and runner() covers whole iterations', () => {
    // out[i] = a[i] + c·one for the copy c that handled it, summing a[i] into accumulator c: with 3 pairs an
    // iteration, copy 0 takes elements 0-1 and 6-7, copy 1 takes 2-3 and 8-9, copy 2 takes 4-5 and 10-11; element
    // 12 is left to the caller.
    const sums = ['s0', 's1', 's2'] as const;
    const run = runner<{ tagged: (...args: number[]) => number }>([
      pairKernel({
        name: 'tagged',
        arrays: ['a', 'out'],
        scalars: ['one'],
        temps: sums,
        unroll: 3,
        body: (k, copy) => [
          ...k.store('out', Array.from({ length: copy }).reduce<Pair>((x) => add(x, k.scalar('one')), k.load('a'))),
          ...k.set(sums[copy]!, add(k.get(sums[copy]!), k.load('a'))),
        ],
        // what copy 1 saw, lane 0 + lane 1
        result: (k) => laneSum(k.get('s1')),
      }),
    ]);
    const a = allocateSimdBuffer(13);
    a.set([1, 2, 10, 20, 100, 200, 1000, 2000, 3e4, 4e4, 5e5, 6e5, 7]);
    const out = allocateSimdBuffer(13);
    expect(run((k) => k.tagged, [a, out], [1])).toEqual({ covered: 12, result: 10 + 20 + 3e4 + 4e4 });
    expect([...out]).toEqual([1, 2, 11, 21, 102, 202, 1000, 2000, 3e4 + 1, 4e4 + 1, 5e5 + 2, 6e5 + 2, 0]);
  });

  it('refuses kernels that take different numbers of pairs per iteration (one covered prefix serves them all)', () => {
    const twice = (unroll: number) =>
      pairKernel({ name: `twice${unroll}`, arrays: ['a', 'out'], scalars: [], temps: [], unroll, body: (k) => k.store('out', add(k.load('a'), k.load('a'))) });
    expect(() => runner([twice(1), twice(2)])).toThrow('runner: the kernels take different numbers of elements per iteration (twice1: 2, twice2: 4)');
  });

  it('runs through runner() only when every array lives in the SIMD memory, over the even prefix', () => {
    // twice(a, out): out[i] = 2·a[i]
    const run = runner<{ twice: (...args: number[]) => void }>([
      pairKernel({ name: 'twice', arrays: ['a', 'out'], scalars: [], temps: [], body: (k) => k.store('out', add(k.load('a'), k.load('a'))) }),
    ]);
    const a = allocateSimdBuffer(5);
    a.set([1, 2, 3, 4, 5]);
    const out = allocateSimdBuffer(5);
    expect(run((k) => k.twice, [a, out])).toEqual({ covered: 4, result: undefined });
    expect([...out]).toEqual([2, 4, 6, 8, 0]);
    expect(run((k) => k.twice, [a, new Float32Array(5)])).toBeUndefined();
  });
});

