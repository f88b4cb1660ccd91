// A WebAssembly assembler small enough to read: kernels are written as instruction lists and assembled
// into a module here, with no toolchain. Every module imports the process's SIMD memory (simd-memory.ts)
// as env.memory, so all kernels see all buffers allocated there. Opcodes are the WebAssembly 2.0 core
// and fixed-width SIMD encodings; only those the kernels use are listed.

import { MAX_PAGES, simdMemory, type SimdMemory } from './simd-memory.js';
import { Wasm, type WasmModule } from './wasm-api.js';

const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
const name = (s: string): number[] => [...leb(s.length), ...Buffer.from(s, 'latin1')];
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const vec = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Alignment hint 1 byte (operands may sit at any address), then the constant byte offset added to the address. */
const memarg = (offset = 0): number[] => [0x00, ...leb(offset)];
const MEMARG = memarg();
const simd = (code: number): number[] => [0xfd, ...leb(code)];

export const op = {
  get: (i: number) => [0x20, ...leb(i)],
  set: (i: number) => [0x21, ...leb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Shl: [0x74],
  i32And: [0x71],
  i32GeU: [0x4f],
  f32Load: [0x2a, ...MEMARG],
  f32Store: [0x38, ...MEMARG],
  f32Add: [0x92],
  f32Div: [0x95],
  v128Load: [...simd(0x00), ...MEMARG],
  v128Store: [...simd(0x0b), ...MEMARG],
  /** v128.load / v128.store with a constant byte offset added to the address. */
  v128LoadAt: (offset: number) => [...simd(0x00), ...memarg(offset)],
  v128StoreAt: (offset: number) => [...simd(0x0b), ...memarg(offset)],
  /** Loads 8 bytes (two float32) at address + offset into the low half, zeroing the rest. */
  v128Load64Zero: (offset = 0) => [...simd(0x5d), ...memarg(offset)],
  /** Stores the low 8 bytes (lane 0 of i64x2) at address + offset. */
  v128Store64Low: (offset = 0) => [...simd(0x5b), ...memarg(offset), 0],
  f32x4Splat: simd(0x13),
  f64x2Splat: simd(0x14),
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
  /** float32 lanes 0-1 to float64 (exact). */
  f64x2PromoteLow: simd(0x5f),
  /** float64 lanes to float32 lanes 0-1 (round to nearest even), lanes 2-3 zero. */
  f32x4DemoteZero: simd(0x5e),
  f64x2Sqrt: simd(0xef),
  f64x2Add: simd(0xf0),
  f64x2Sub: simd(0xf1),
  f64x2Mul: simd(0xf2),
  f64x2Div: simd(0xf3),
  /** NaN if either lane is NaN, -0 below +0: Math.max's semantics. */
  f64x2Max: simd(0xf5),
  f64x2ExtractLane: (lane: number) => [...simd(0x21), lane],
  f64Add: [0xa0],
};

/** `for (; i < end; i += step) body` as block/loop/br_if. */
export const loop = (i: number, end: number, step: number, body: number[]): number[] => [
  0x02, 0x40, 0x03, 0x40, ...op.get(i), ...op.get(end), ...op.i32GeU, 0x0d, 0x01,
  ...body, ...op.get(i), ...op.i32(step), ...op.i32Add, ...op.set(i), 0x0c, 0x00, 0x0b, 0x0b,
];

export interface WasmFunction {
  /** Export name. */
  name: string;
  /** Parameter types; parameters are locals 0..params.length-1. */
  params: number[];
  /** Types of the further locals, numbered after the parameters. */
  locals: number[];
  /** The body's instructions (without the final `end`); with a result type, they leave the result on the stack. */
  code: number[];
  /** Result type, if the function returns a value. */
  result?: number;
}

/** Assembles functions into a module that imports the SIMD memory as env.memory. */
export function assembleModule(functions: readonly WasmFunction[]): WasmModule {
  const body = (f: WasmFunction): number[] => {
    const bytes = [...vec(f.locals.map((type) => [1, type])), ...f.code, 0x0b];
    return [...leb(bytes.length), ...bytes];
  };
  return new Wasm.Module(
    new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, vec(functions.map((f) => [0x60, ...vec(f.params.map((type) => [type])), ...vec(f.result === undefined ? [] : [[f.result]])]))),
      // Imports a shared memory (limits flag 0x03: shared, with a maximum) of at least 1 page.
      ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x03, ...leb(1), ...leb(MAX_PAGES)]])),
      ...section(3, vec(functions.map((_, i) => leb(i)))),
      ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...leb(i)]))),
      ...section(10, vec(functions.map(body))),
    ]),
  );
}

/** The module's exports, bound to `memory` (the process's SIMD memory unless a test brings its own). */
export function instantiate<Kernels>(module: WasmModule, memory: SimdMemory = simdMemory): Kernels {
  return new Wasm.Instance(module, { env: { memory: memory.memory } }).exports as unknown as Kernels;
}
