// Calling lane kernels (float64-pairs.ts, float32-quads.ts) from JavaScript: a module of kernels is assembled
// once and instantiated at its first use, and a kernel runs over the arrays' longest prefix of whole loop
// iterations when all of them live in the SIMD memory; the caller's JavaScript loop does the rest, with the same bits.

import { InvalidArgumentError } from '@ringtrain/common';
import { simdMemory } from './simd-memory.js';
import { assembleModule, instantiate, type WasmFunction } from './wasm-assembler.js';

/** A kernel's function, with how many elements one iteration of its loop takes (runner() needs it). */
export interface LaneKernel extends WasmFunction {
  elementsPerIteration: number;
}

/** What runner() returns: how many elements the kernel covered (its prefix) and its result. */
export interface KernelRun<R> {
  covered: number;
  result: R;
}

/**
 * The caller's side of a module of lane kernels, which must all take the same number of elements per iteration
 * (the covered prefix is computed from it: a prefix that is not a whole number of iterations would let the
 * loop's last iteration run past the arrays). `run(pick, arrays, scalars)` calls the kernel `pick` chooses
 * from the module's exports over the prefix of whole iterations of `arrays`, if all of them live in the SIMD
 * memory, and returns what it covered (undefined when they do not: the caller's JavaScript loop does
 * everything). The module is assembled here and instantiated at the first run.
 */
export function runner<Kernels>(functions: readonly LaneKernel[]) {
  const elementsPerIteration = functions[0]?.elementsPerIteration ?? 1;
  if (functions.some((f) => f.elementsPerIteration !== elementsPerIteration)) {
    throw new InvalidArgumentError(
      `runner: the kernels take different numbers of elements per iteration (${functions.map((f) => `${f.name}: ${f.elementsPerIteration}`).join(', ')})`,
      { subject: 'functions' },
    );
  }
  const module = assembleModule(functions);
  let kernels: Kernels | undefined;
  return <R>(pick: (kernels: Kernels) => (...args: number[]) => R, arrays: readonly Float32Array[], scalars: readonly number[] = []): KernelRun<R> | undefined => {
    const addresses = simdMemory.addressesOf(arrays);
    if (addresses === undefined) return undefined;
    const covered = arrays[0]!.length - (arrays[0]!.length % elementsPerIteration);
    const result = pick((kernels ??= instantiate<Kernels>(module)))(...addresses, covered * 4, ...scalars);
    return { covered, result };
  };
}
