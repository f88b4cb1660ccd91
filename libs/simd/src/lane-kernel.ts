// What every lane kernel (float64-pairs.ts, float32-quads.ts) shares: its wasm signature (array addresses...,
// prefixBytes, scalars...), the numbering of its locals (the loop index, one splat per scalar, the temporaries) and
// the loop that runs its body over the prefix, `unroll` copies per iteration. The kernel kinds differ only in how
// a copy loads, stores and computes.

import type { LaneKernel } from './kernel-runner.js';
import { I32, loop, op, V128 } from './wasm-assembler.js';

/** Where a body finds its operands: instruction lists that push them. */
export interface LaneFrame<A extends string, S extends string, T extends string> {
  /** The address of `array`'s element at the loop index (add the copy's byte offset in the load or store). */
  at(array: A): number[];
  /** A scalar argument, splatted to every lane. */
  scalar(name: S): number[];
  get(temp: T): number[];
  set(temp: T, value: number[]): number[];
}

/** What a kernel's author gives every kind of lane kernel. */
export interface LaneKernelShape<A extends string, S extends string, T extends string> {
  name: string;
  /** The float32 arrays (passed as byte addresses), all walked at the same index. */
  arrays: readonly A[];
  /** Scalar arguments after prefixBytes. */
  scalars: readonly S[];
  /** v128 temporaries the body uses. */
  temps: readonly T[];
  /** Copies of the body per iteration (default 1). */
  unroll?: number;
}

/** What a kind of lane kernel (pairs, quads) adds: its scalars' type and lanes, and the body over its frame. */
export interface LaneKind<A extends string, S extends string, T extends string> {
  /** The scalars' wasm type (F32 or F64) and the splat instruction that fills a v128 with one. */
  scalarType: number;
  splat: number[];
  /** Elements of one copy of the body (4 bytes each). */
  elementsPerCopy: number;
  /** The `copy`-th copy of the body of an iteration. */
  body(frame: LaneFrame<A, S, T>, copy: number): number[];
  /** After the loop: instructions leaving the function's result, of type resultType. */
  result?(frame: LaneFrame<A, S, T>): number[];
  resultType?: number;
}

export function laneKernel<A extends string, S extends string, T extends string>(shape: LaneKernelShape<A, S, T>, kind: LaneKind<A, S, T>): LaneKernel {
  const { arrays, scalars, temps, unroll = 1 } = shape;
  const prefixBytesParam = arrays.length;
  const scalarParam = (s: S) => prefixBytesParam + 1 + scalars.indexOf(s);
  // Locals after the parameters: the index, one splat per scalar, the temporaries.
  const index = prefixBytesParam + 1 + scalars.length;
  const splat = (s: S) => index + 1 + scalars.indexOf(s);
  const temp = (t: T) => index + 1 + scalars.length + temps.indexOf(t);
  const frame: LaneFrame<A, S, T> = {
    at: (a) => [...op.get(arrays.indexOf(a)), ...op.get(index), ...op.i32Add],
    scalar: (s) => op.get(splat(s)),
    get: (t) => op.get(temp(t)),
    set: (t, value) => [...value, ...op.set(temp(t))],
  };
  const prologue = scalars.flatMap((s) => [...op.get(scalarParam(s)), ...kind.splat, ...op.set(splat(s))]);
  const body = Array.from({ length: unroll }, (_, copy) => kind.body(frame, copy)).flat();
  return {
    name: shape.name,
    params: [...arrays.map(() => I32), I32, ...scalars.map(() => kind.scalarType)],
    // Temporaries start at zero in every lane (WebAssembly zero-initialises locals): accumulators need no setup.
    locals: [I32, ...scalars.map(() => V128), ...temps.map(() => V128)],
    code: [...prologue, ...loop(index, prefixBytesParam, 4 * kind.elementsPerCopy * unroll, body), ...(kind.result?.(frame) ?? [])],
    ...(kind.result && kind.resultType !== undefined ? { result: kind.resultType } : {}),
    elementsPerIteration: kind.elementsPerCopy * unroll,
  };
}
