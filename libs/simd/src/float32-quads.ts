// Kernels that walk float32 arrays four elements at a time and compute in float32 lanes (f32x4): every
// operation rounded to float32, as a float32 tensor op computes (torch's, element by element). JavaScript
// reproduces them bit for bit with Math.fround around each operation (f32add etc. below): a float32 sum,
// difference or product computed in float64 and rounded to float32 once is the float32 operation itself
// (float64's 53 bits are at least 2·24 + 2, so that double rounding never changes a result). So, as with
// float64-pairs.ts, a caller runs the kernel over a prefix and its JavaScript loop over the rest, with the same
// bits - except in a NaN's sign and payload bits. Four lanes instead of the pairs' two and no conversions between
// float32 and float64 (which bound the pair kernels): a kernel walking megabytes runs at about the memory's speed.
//
// A kernel's wasm signature: (array addresses..., prefixBytes, scalars...) where the scalars are float32 (a
// JavaScript number passed in is rounded to float32, as Math.fround does), each splatted to all four lanes.
// A kernel takes `unroll` quads per iteration (default 1): it covers 4·unroll·floor(n / (4·unroll)) elements.

import type { LaneKernel } from './kernel-runner.js';
import { laneKernel, type LaneFrame, type LaneKernelShape } from './lane-kernel.js';
import { F32, op } from './wasm-assembler.js';

/** An f32x4 expression: instructions that leave one v128 on the stack. */
export type Quad = number[];

export interface QuadContext<A extends string, S extends string, T extends string> {
  /** The four float32 elements of `array` at this copy's quad of the iteration. */
  load(array: A): Quad;
  /** Stores `value` into `array` at this copy's quad. */
  store(array: A, value: Quad): number[];
  /** A float32 scalar argument in all lanes. */
  scalar(name: S): Quad;
  /** A temporary. */
  get(temp: T): Quad;
  /** Sets a temporary to `value`. */
  set(temp: T, value: Quad): number[];
}

export interface QuadKernelSpec<A extends string, S extends string, T extends string> extends LaneKernelShape<A, S, T> {
  /** One quad of elements: the `copy`-th quad of the iteration. */
  body(k: QuadContext<A, S, T>, copy: number): number[];
}

/** Float32 a + b, a - b, a·b per lane; in JavaScript Math.fround(a + b) etc. of float32 values. */
export const f32add = (a: Quad, b: Quad): Quad => [...a, ...b, ...op.f32x4Add];
export const f32sub = (a: Quad, b: Quad): Quad => [...a, ...b, ...op.f32x4Sub];
export const f32mul = (a: Quad, b: Quad): Quad => [...a, ...b, ...op.f32x4Mul];

export function quadKernel<A extends string, S extends string, T extends string>(spec: QuadKernelSpec<A, S, T>): LaneKernel {
  /** The context of the `copy`-th quad of an iteration: its elements sit 16·copy bytes past the loop index. */
  const context = (frame: LaneFrame<A, S, T>, copy: number): QuadContext<A, S, T> => ({
    load: (a) => [...frame.at(a), ...op.v128LoadAt(16 * copy)],
    store: (a, value) => [...frame.at(a), ...value, ...op.v128StoreAt(16 * copy)],
    scalar: frame.scalar,
    get: frame.get,
    set: frame.set,
  });
  return laneKernel(spec, {
    scalarType: F32,
    splat: op.f32x4Splat,
    elementsPerCopy: 4,
    body: (frame, copy) => spec.body(context(frame, copy), copy),
  });
}
