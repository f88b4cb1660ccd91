// Where a test's vectors live: the optimizers take their JavaScript loops for vectors on the JS heap and
// their WebAssembly kernels for vectors in the SIMD memory, and both must compute the same thing.
import { allocateSimdBuffer } from '@ringtrain/simd';

export type MakeVector = (values: ArrayLike<number>) => Float32Array;

export const onHeap: MakeVector = (values) => Float32Array.from(values);

export const inSimdMemory: MakeVector = (values) => {
  const vector = allocateSimdBuffer(values.length);
  vector.set(values);
  return vector;
};

/** For it.each: [name, make]. */
export const PLACES: Array<[string, MakeVector]> = [
  ['on the JS heap', onHeap],
  ['in the SIMD memory', inSimdMemory],
];
