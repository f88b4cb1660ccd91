import { Mulberry32 } from './prng.js';

/**
 * A seeded permutation of 0..n-1: the Fisher-Yates shuffle (Durstenfeld's in-place form) driven by
 * Mulberry32. For i = n-1 down to 1, swap a[i] with a[j], j uniform in [0, i]; every one of the n!
 * orders the generator can reach is equally likely. The same (n, state) gives the same permutation in
 * every process, which is all DistributedSampler needs for its ranks to agree without talking.
 */
export function seededPermutation(n: number, state: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rng = new Mulberry32(state);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextBelow(i + 1);
    const held = order[i]!;
    order[i] = order[j]!;
    order[j] = held;
  }
  return order;
}
