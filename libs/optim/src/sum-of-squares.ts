// Σ g_i² in float64, in a fixed order that a WebAssembly kernel can follow two lanes at a time: even indices
// into one accumulator, odd indices into the other, then (even + odd), then the last element of an odd-length
// vector. For a vector in the SIMD memory the kernel does the pairs (float64-pairs.ts), otherwise the loop below;
// both give the same bits, so the gradient norm (and everything clipped by it) does not depend on where the
// vector lives.

import { add, assembleModule, laneSum, mul, pairKernel, runner } from '@ringtrain/simd';

const MODULE = assembleModule([
  pairKernel({
    name: 'sum_of_squares',
    arrays: ['values'],
    scalars: [],
    temps: ['sum'],
    body: (k) => k.set('sum', add(k.get('sum'), mul(k.load('values'), k.load('values')))),
    result: (k) => laneSum(k.get('sum')),
  }),
]);

const run = runner<{ sum_of_squares: (values: number, evenBytes: number) => number }>(MODULE);

/** Σ values[i]², accumulated in float64 (no float32 overflow or loss of small terms). */
export function sumOfSquares(values: Float32Array): number {
  const even = values.length & ~1;
  let sum = run((kernels) => kernels.sum_of_squares, [values])?.result;
  if (sum === undefined) {
    let evens = 0;
    let odds = 0;
    for (let i = 0; i < even; i += 2) {
      evens += values[i]! * values[i]!;
      odds += values[i + 1]! * values[i + 1]!;
    }
    sum = evens + odds;
  }
  return even < values.length ? sum + values[even]! * values[even]! : sum;
}
