import { describe, expect, it } from 'vitest';
import { AdamW, SGD, type Optimizer } from '../src/index.js';
import { adamwStep } from '../src/adamw-kernel.js';
import { sgdStep } from '../src/sgd-kernel.js';
import { sumOfSquares } from '../src/sum-of-squares.js';
import { inSimdMemory, onHeap, type MakeVector } from './vector-places.js';

// The kernels promise the JavaScript loops' bits, not just close values: a rank whose vectors took the other
// path must still hold the same replica. Every element's float32 bits are compared; only NaNs are compared as
// NaNs (IEEE 754 leaves a NaN's sign and payload open, and the paths do differ there: Math.max vs f64x2.max).

/** Deterministic values over many magnitudes, with zeros of both signs, denormals, ±Infinity and NaN. */
function values(n: number, seed: number): number[] {
  const special = [0, -0, 1e-40, -3e-39, Infinity, -Infinity, NaN, 3.4e38, 1, -1];
  return Array.from({ length: n }, (_, i) => {
    const x = Math.sin(i * 12.9898 + seed * 78.233) * 43758.5453;
    const frac = x - Math.floor(x);
    return i % 17 === 5 ? special[(i + seed) % special.length]! : (frac - 0.5) * 10 ** ((i % 9) - 5);
  });
}

const bitsOf = (v: Float32Array) => new Uint32Array(v.buffer, v.byteOffset, v.length);

function expectSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const [a, e] = [bitsOf(actual), bitsOf(expected)];
  const bothNaN = (i: number) => Number.isNaN(actual[i]) && Number.isNaN(expected[i]);
  const differing = [...actual.keys()].filter((i) => a[i] !== e[i] && !bothNaN(i));
  expect(differing.map((i) => `${what}[${i}]: ${actual[i]} vs ${expected[i]}`)).toEqual([]);
}

const CONFIGS: Array<[string, (n: number) => Optimizer]> = [
  ['sgd with weight decay', (n) => new SGD(n, { weightDecay: 0.01 })],
  ['sgd without weight decay', (n) => new SGD(n)],
  ['sgd with momentum, without weight decay', (n) => new SGD(n, { momentum: 0.9 })],
  ['sgd nesterov without weight decay', (n) => new SGD(n, { momentum: 0.9, nesterov: true })],
  ['sgd with momentum and dampening', (n) => new SGD(n, { momentum: 0.9, dampening: 0.25, weightDecay: 1e-3 })],
  ['sgd nesterov', (n) => new SGD(n, { momentum: 0.8, nesterov: true, weightDecay: 1e-4 })],
  ['adamw', (n) => new AdamW(n, { betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.05 })],
  ['adamw amsgrad', (n) => new AdamW(n, { amsgrad: true })],
];

/** Three steps with different gradients and learning rates; params and every slot afterwards. */
function run(make: (n: number) => Optimizer, n: number, vector: MakeVector): Float32Array[] {
  const optimizer = make(n);
  const params = vector(values(n, 1));
  [0.1, 0.03, 0.5].forEach((lr, k) => optimizer.step(params, vector(values(n, k + 2)), lr));
  return [params, ...Object.values(optimizer.exportState().slots)];
}

describe('SIMD optimizer kernels', () => {
  describe.each(CONFIGS)('%s', (_name, make) => {
    it.each([1, 2, 3, 4, 5, 6, 7, 16, 17, 1001])('give the bits of the JavaScript loop on %i elements', (n) => {
      const [heap, simd] = [run(make, n, onHeap), run(make, n, inSimdMemory)];
      expect(simd.length).toBe(heap.length);
      heap.forEach((expected, i) => expectSameBits(simd[i]!, expected, i === 0 ? 'params' : `slot ${i}`));
    });
  });

  it.each(CONFIGS)('%s: on subarrays at an odd element offset, the bits of the JavaScript loop and nothing written outside', (_name, make) => {
    // Each vector is 7 elements inside a 11-element buffer, at offset 3 (12 bytes: not 8- or 16-byte aligned);
    // the elements around it are sentinels that must come out unchanged.
    const n = 7;
    const SENTINEL = 12345.5;
    const inside = (vector: MakeVector) => (v: ArrayLike<number>) => {
      const holder = vector([SENTINEL, SENTINEL, SENTINEL, ...Array.from(v), SENTINEL]);
      return holder.subarray(3, 3 + n);
    };
    const [heap, simd] = [run(make, n, inside(onHeap)), run(make, n, inside(inSimdMemory))];
    heap.forEach((expected, i) => expectSameBits(simd[i]!, expected, i === 0 ? 'params' : `slot ${i}`));
    const params = simd[0]!;
    const holder = new Float32Array(params.buffer, params.byteOffset - 12, n + 4);
    expect([...holder.subarray(0, 3), holder[n + 3]]).toEqual([SENTINEL, SENTINEL, SENTINEL, SENTINEL]);
  });

  it.each([0, 1, 2, 5, 7, 8, 9, 1000, 1001, 1007])('sum the squares of %i elements with the same bits as the JavaScript loop', (n) => {
    const finite = values(n, 7).map((x) => (Number.isFinite(x) ? x : 0.5));
    expect(Object.is(sumOfSquares(inSimdMemory(finite)), sumOfSquares(onHeap(finite)))).toBe(true);
    expect(sumOfSquares(inSimdMemory(values(n, 7)))).toBe(sumOfSquares(onHeap(values(n, 7))));
  });

  it('sum squares in the documented order: eight accumulators, combined pairwise, then the tail one by one', () => {
    // a = 2^-27, a² = 2^-54 (a quarter of 1's ulp 2^-52).
    // [1, a, a, a, 0, a, 0, a]: accumulators a0 = 1, a1 = a2 = a3 = a5 = a7 = a²; ((a0 + a2) + (a4 + a6)) rounds to 1,
    // ((a1 + a3) + (a5 + a7)) = 4·a² = 2^-52 exactly, so the sum is 1 + 2^-52. A running sum, or two accumulators
    // (1 + a² first), would lose every a².
    const a = 2 ** -27;
    const tail = [3, 4]; // after the first eight, added one by one: 9 + 16
    for (const vector of [onHeap, inSimdMemory]) {
      expect(sumOfSquares(vector([1, a, a, a, 0, a, 0, a]))).toBe(1 + 2 ** -52);
      expect(sumOfSquares(vector([1, a, a, a, 0, a, 0, a, ...tail]))).toBe(1 + 2 ** -52 + 9 + 16);
      expect(sumOfSquares(vector([1, 2, 3, 4, 5]))).toBe(55); // shorter than a group of eight: 1 + 4 + 9 + 16 + 25
    }
  });

  it('run over the covered prefix when every vector lives in the SIMD memory, and leave other vectors alone', () => {
    const s = { lr: 0.1, mu: 0.9, wd: 0, keep: 1 };
    const nine = (value: (i: number) => number) => inSimdMemory(Array.from({ length: 9 }, (_, i) => value(i)));
    const [params, grads, buffer] = [nine((i) => i + 1), nine(() => 1), nine(() => 0)];
    // p - 0.1·g on the first eight elements (two quads an iteration); the ninth is the caller's.
    expect(sgdStep('first', false, params, grads, buffer, s)).toBe(8);
    expect([...params]).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((p) => Math.fround(p - Math.fround(Math.fround(0.1) * 1))).concat(9));
    expect([...buffer]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(sgdStep('first', false, params.subarray(0, 7), grads.subarray(0, 7), buffer.subarray(0, 7), s)).toBe(0);
    expect(sgdStep('first', false, onHeap([1, 2]), grads.subarray(0, 2), buffer.subarray(0, 2), s)).toBe(0);
    const four = () => inSimdMemory([0, 0, 0, 0]);
    const moments = [four(), onHeap([0, 0, 0, 0])];
    const scalars = { decay: 1, beta1: 0.9, oneMinusBeta1: 0.1, beta2: 0.999, oneMinusBeta2: 0.001, bias2Sqrt: 1, eps: 1e-8, stepSize: 0.1 };
    expect(adamwStep(inSimdMemory([1, 2, 3, 4]), inSimdMemory([1, 1, 1, 1]), moments, scalars)).toBe(0);
    expect(adamwStep(inSimdMemory([1, 2, 3, 4]), inSimdMemory([1, 1, 1, 1]), [four(), four()], scalars)).toBe(4);
  });
});
