// Σ g_i² in float64, in a fixed order that a WebAssembly kernel can follow eight lanes at a time: element i
// goes into accumulator i mod 8 over the longest prefix of whole groups of eight, the accumulators are combined
// as ((a0 + a2) + (a4 + a6)) + ((a1 + a3) + (a5 + a7)), and the last (at most seven) elements are added one by
// one. Eight accumulators rather than two: a single f64x2 addition chain waits on the addition's latency (4
// cycles per pair, 0.35 ms for mlp's 535,818 gradients); four chains run side by side. For a vector in the SIMD
// memory the kernel does the prefix (float64-pairs.ts, 4 pairs per iteration), otherwise the loop below; both
// give the same bits, so the gradient norm (and everything clipped by it) does not depend on where the vector
// lives. `node --import tsx tools/optimizer-bench.ts` measures it.

import { add, laneSum, mul, pairKernel, runner } from '@ringtrain/simd';

/** Pairs per iteration: accumulator pair c holds lanes 2c and 2c + 1. */
const PAIRS = 4;
const ACCUMULATORS = ['a01', 'a23', 'a45', 'a67'] as const;

const KERNELS = [
  pairKernel({
    name: 'sum_of_squares',
    arrays: ['values'],
    scalars: [],
    temps: ACCUMULATORS,
    unroll: PAIRS,
    body: (k, copy) => {
      const sum = ACCUMULATORS[copy]!;
      return k.set(sum, add(k.get(sum), mul(k.load('values'), k.load('values'))));
    },
    // (a01 + a23) + (a45 + a67) lane by lane, then lane 0 + lane 1: the order of the loop below.
    result: (k) => laneSum(add(add(k.get('a01'), k.get('a23')), add(k.get('a45'), k.get('a67')))),
  }),
];

const run = runner<{ sum_of_squares: (values: number, prefixBytes: number) => number }>(KERNELS);

/** Σ values[i]², accumulated in float64 (no float32 overflow or loss of small terms). */
export function sumOfSquares(values: Float32Array): number {
  const kernel = run((kernels) => kernels.sum_of_squares, [values]);
  let sum: number;
  let from: number;
  if (kernel !== undefined) {
    sum = kernel.result;
    from = kernel.covered;
  } else {
    from = values.length - (values.length % (2 * PAIRS));
    let [a0, a1, a2, a3, a4, a5, a6, a7] = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < from; i += 8) {
      a0 += values[i]! * values[i]!;
      a1 += values[i + 1]! * values[i + 1]!;
      a2 += values[i + 2]! * values[i + 2]!;
      a3 += values[i + 3]! * values[i + 3]!;
      a4 += values[i + 4]! * values[i + 4]!;
      a5 += values[i + 5]! * values[i + 5]!;
      a6 += values[i + 6]! * values[i + 6]!;
      a7 += values[i + 7]! * values[i + 7]!;
    }
    sum = a0 + a2 + (a4 + a6) + (a1 + a3 + (a5 + a7));
  }
  for (let i = from; i < values.length; i++) sum += values[i]! * values[i]!;
  return sum;
}
