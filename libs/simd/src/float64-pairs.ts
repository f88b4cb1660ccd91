// Kernels that walk float32 arrays two elements at a time and compute in float64 lanes (f64x2). They
// reproduce a JavaScript loop over Float32Arrays bit for bit: JavaScript also computes in float64 and
// rounds to float32 where the loop calls Math.fround (fround() here) or stores into a Float32Array
// (store() here), and every f64x2 operation used is IEEE-exact like its scalar counterpart. So a caller
// can run the kernel over the even prefix of its arrays and its own JavaScript loop over the last
// element (or over everything, for arrays outside the SIMD memory) and get the same bits either way -
// except in a NaN's sign and payload bits, which neither IEEE 754 nor JavaScript fixes (a NaN stays a
// NaN on both paths).
//
// A kernel's wasm signature: (array addresses..., evenBytes, scalars...) where evenBytes is the byte
// length of the even prefix (8 * floor(n / 2)) and the scalars are float64, each splatted to both lanes.

import { simdMemory } from './simd-memory.js';
import type { WasmModule } from './wasm-api.js';
import { F64, I32, instantiate, loop, op, V128, type WasmFunction } from './wasm-assembler.js';

/** An f64x2 expression: instructions that leave one v128 on the stack. */
export type Pair = number[];

export interface PairContext<A extends string, S extends string, T extends string> {
  /** The two float32 elements of `array` at the loop index, widened to float64. */
  load(array: A): Pair;
  /** Stores `value` rounded to float32 into `array` at the loop index (a Float32Array assignment). */
  store(array: A, value: Pair): number[];
  /** A float64 scalar argument in both lanes. */
  scalar(name: S): Pair;
  /** A temporary. */
  get(temp: T): Pair;
  /** Sets a temporary to `value`. */
  set(temp: T, value: Pair): number[];
}

export interface PairKernelSpec<A extends string, S extends string, T extends string> {
  name: string;
  /** The float32 arrays (passed as byte addresses), all walked at the same index. */
  arrays: readonly A[];
  /** Float64 arguments after evenBytes. */
  scalars: readonly S[];
  /** v128 temporaries the body uses. */
  temps: readonly T[];
  /** One iteration: two elements at the loop index. */
  body(k: PairContext<A, S, T>): number[];
  /** After the loop: instructions leaving the function's float64 result (none: the function returns nothing). */
  result?(k: PairContext<A, S, T>): number[];
}

export const mul = (a: Pair, b: Pair): Pair => [...a, ...b, ...op.f64x2Mul];
export const add = (a: Pair, b: Pair): Pair => [...a, ...b, ...op.f64x2Add];
export const sub = (a: Pair, b: Pair): Pair => [...a, ...b, ...op.f64x2Sub];
export const div = (a: Pair, b: Pair): Pair => [...a, ...b, ...op.f64x2Div];
export const sqrt = (a: Pair): Pair => [...a, ...op.f64x2Sqrt];
/** Math.max per lane (NaN if either is NaN). */
export const max = (a: Pair, b: Pair): Pair => [...a, ...b, ...op.f64x2Max];
/** lane 0 + lane 1, a float64. */
export const laneSum = (a: Pair): number[] => [...a, ...op.f64x2ExtractLane(0), ...a, ...op.f64x2ExtractLane(1), ...op.f64Add];
/** Math.fround per lane: to float32 (nearest even) and back. */
export const fround = (a: Pair): Pair => [...a, ...op.f32x4DemoteZero, ...op.f64x2PromoteLow];

export function pairKernel<A extends string, S extends string, T extends string>(spec: PairKernelSpec<A, S, T>): WasmFunction {
  const { arrays, scalars, temps } = spec;
  // Parameters: the arrays' addresses, evenBytes, the scalars.
  const evenBytesParam = arrays.length;
  const scalarParam = (s: S) => evenBytesParam + 1 + scalars.indexOf(s);
  // Locals after the parameters: the index, one splat per scalar, the temporaries.
  const index = evenBytesParam + 1 + scalars.length;
  const splat = (s: S) => index + 1 + scalars.indexOf(s);
  const temp = (t: T) => index + 1 + scalars.length + temps.indexOf(t);
  const at = (a: A) => [...op.get(arrays.indexOf(a)), ...op.get(index), ...op.i32Add];
  const k: PairContext<A, S, T> = {
    load: (a) => [...at(a), ...op.v128Load64Zero, ...op.f64x2PromoteLow],
    store: (a, value) => [...at(a), ...value, ...op.f32x4DemoteZero, ...op.v128Store64Low],
    scalar: (s) => op.get(splat(s)),
    get: (t) => op.get(temp(t)),
    set: (t, value) => [...value, ...op.set(temp(t))],
  };
  const prologue = scalars.flatMap((s) => [...op.get(scalarParam(s)), ...op.f64x2Splat, ...op.set(splat(s))]);
  return {
    name: spec.name,
    params: [...arrays.map(() => I32), I32, ...scalars.map(() => F64)],
    // Temporaries start at zero in both lanes (WebAssembly zero-initialises locals): accumulators need no setup.
    locals: [I32, ...scalars.map(() => V128), ...temps.map(() => V128)],
    code: [...prologue, ...loop(index, evenBytesParam, 8, spec.body(k)), ...(spec.result?.(k) ?? [])],
    ...(spec.result ? { result: F64 } : {}),
  };
}

/** What runner() returns: how many elements the kernel covered (the even prefix) and its result. */
export interface PairRun<R> {
  covered: number;
  result: R;
}

/**
 * The caller's side of a module of pair kernels: `run(pick, arrays, scalars)` calls the kernel `pick` chooses
 * from the module's exports over the even prefix of `arrays`, if all of them live in the SIMD memory, and
 * returns what it covered (undefined when they do not: the caller's JavaScript loop does everything). The
 * module is instantiated at the first run.
 */
export function runner<Kernels>(module: WasmModule) {
  let kernels: Kernels | undefined;
  return <R>(pick: (kernels: Kernels) => (...args: number[]) => R, arrays: readonly Float32Array[], scalars: readonly number[] = []): PairRun<R> | undefined => {
    const addresses = simdMemory.addressesOf(arrays);
    if (addresses === undefined) return undefined;
    const covered = arrays[0]!.length & ~1;
    const result = pick((kernels ??= instantiate<Kernels>(module)))(...addresses, covered * 4, ...scalars);
    return { covered, result };
  };
}

