// Kernels that walk float32 arrays two elements at a time and compute in float64 lanes (f64x2). They
// reproduce a JavaScript loop over Float32Arrays bit for bit: JavaScript also computes in float64 and
// rounds to float32 where the loop calls Math.fround (fround() here) or stores into a Float32Array
// (store() here), and every f64x2 operation used is IEEE-exact like its scalar counterpart. So a caller
// can run the kernel over a prefix of its arrays and its own JavaScript loop over the rest (or over
// everything, for arrays outside the SIMD memory) and get the same bits either way -
// except in a NaN's sign and payload bits, which neither IEEE 754 nor JavaScript fixes (a NaN stays a
// NaN on both paths).
//
// A kernel's wasm signature: (array addresses..., prefixBytes, scalars...) where prefixBytes is the byte
// length of the prefix the kernel covers and the scalars are float64, each splatted to both lanes. A kernel
// takes `unroll` pairs per iteration (default 1), so it covers the longest prefix of whole iterations:
// 2·unroll·floor(n / (2·unroll)) elements (runner() in kernel-runner.ts). Unrolling is how a reduction gets several independent
// accumulators (one f64x2 addition chain is bound by the addition's latency, not by the memory).

import type { LaneKernel } from './kernel-runner.js';
import { laneKernel, type LaneFrame, type LaneKernelShape } from './lane-kernel.js';
import { F64, op } from './wasm-assembler.js';

/** An f64x2 expression: instructions that leave one v128 on the stack. */
export type Pair = number[];

/** Two float32 values in lanes 0-1 of a v128 (as loaded, or a Pair rounded by toFloat32), not yet widened. */
export type Float32Pair = number[];

export interface PairContext<A extends string, S extends string, T extends string> {
  /** The two float32 elements of `array` at this copy's pair of the iteration, widened to float64. */
  load(array: A): Pair;
  /** The same two elements as they are: storeFloat32 writes them back bit for bit, toFloat64 widens them. */
  loadFloat32(array: A): Float32Pair;
  /** Stores `value` rounded to float32 into `array` at this copy's pair (a Float32Array assignment). */
  store(array: A, value: Pair): number[];
  /** Stores a pair that already is float32 (toFloat32 of a value: what store() of that value would write). */
  storeFloat32(array: A, value: Float32Pair): number[];
  /** A float64 scalar argument in both lanes. */
  scalar(name: S): Pair;
  /** A temporary (a Pair, or a Float32Pair if that is what was set). */
  get(temp: T): Pair;
  /** Sets a temporary to `value`. */
  set(temp: T, value: Pair | Float32Pair): number[];
}

export interface PairKernelSpec<A extends string, S extends string, T extends string> extends LaneKernelShape<A, S, T> {
  /** One pair of elements: the `copy`-th pair of the iteration. */
  body(k: PairContext<A, S, T>, copy: number): number[];
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
/** Each lane rounded to float32 (nearest even), kept as float32: round once, then store and widen that. */
export const toFloat32 = (a: Pair): Float32Pair => [...a, ...op.f32x4DemoteZero];
/** Float32 lanes widened to float64 (exact). */
export const toFloat64 = (a: Float32Pair): Pair => [...a, ...op.f64x2PromoteLow];
/** Math.fround per lane: to float32 (nearest even) and back. */
export const fround = (a: Pair): Pair => toFloat64(toFloat32(a));

export function pairKernel<A extends string, S extends string, T extends string>(spec: PairKernelSpec<A, S, T>): LaneKernel {
  /** The context of the `copy`-th pair of an iteration: its elements sit 8·copy bytes past the loop index. */
  const context = (frame: LaneFrame<A, S, T>, copy: number): PairContext<A, S, T> => ({
    load: (a) => toFloat64([...frame.at(a), ...op.v128Load64Zero(8 * copy)]),
    loadFloat32: (a) => [...frame.at(a), ...op.v128Load64Zero(8 * copy)],
    store: (a, value) => [...frame.at(a), ...toFloat32(value), ...op.v128Store64Low(8 * copy)],
    storeFloat32: (a, value) => [...frame.at(a), ...value, ...op.v128Store64Low(8 * copy)],
    scalar: frame.scalar,
    get: frame.get,
    set: frame.set,
  });
  const { result } = spec;
  return laneKernel(spec, {
    scalarType: F64,
    splat: op.f64x2Splat,
    elementsPerCopy: 2,
    body: (frame, copy) => spec.body(context(frame, copy), copy),
    ...(result ? { result: (frame: LaneFrame<A, S, T>) => result(context(frame, 0)), resultType: F64 } : {}),
  });
}
