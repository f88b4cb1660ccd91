// Float32 reduction in WebAssembly SIMD. V8 does not vectorise `dst[i] += src[i]` on typed arrays
// (~1 GB/s here); a 4-lane f32x4 loop does the same work several times faster. The kernels work on the
// process's reduction memory (reduce-memory.ts): operands that already live there are reduced in place,
// others are staged in and the result copied back out (measured on 32 MiB in 256 KiB pieces: JS 0.99
// GB/s, staged 2.6 GB/s). The module is assembled below from its instructions (no toolchain):
//
//   add(dst, src, n):              dst[i] = dst[i] + src[i]            for i < n (byte addresses)
//   add_div(dst, src, n, divisor): dst[i] = (dst[i] + src[i]) / divisor
//
// Both run a v128 loop over the first n & ~3 elements and a scalar loop over the rest. Results are
// rounded to float32 after each operation, the same on every rank.

import { MAX_PAGES, reduceMemory, type ReduceMemory } from './reduce-memory.js';
import { Wasm } from './wasm-api.js';

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

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const MEMARG = [0x00, 0x00]; // alignment hint 1 byte, offset 0: operands may sit at any address
const op = {
  get: (i: number) => [0x20, i],
  set: (i: number) => [0x21, i],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Shl: [0x74],
  i32And: [0x71],
  i32GeU: [0x4f],
  f32Load: [0x2a, ...MEMARG],
  f32Store: [0x38, ...MEMARG],
  f32Add: [0x92],
  f32Div: [0x95],
  v128Load: [0xfd, 0x00, ...MEMARG],
  v128Store: [0xfd, 0x0b, ...MEMARG],
  f32x4Splat: [0xfd, 0x13],
  f32x4Add: [0xfd, ...leb(228)],
  f32x4Div: [0xfd, ...leb(231)],
};

/** `for (; i < end; i += step) body` as block/loop/br_if. */
const loop = (i: number, end: number, step: number, body: number[]): number[] => [
  0x02, 0x40, 0x03, 0x40, ...op.get(i), ...op.get(end), ...op.i32GeU, 0x0d, 0x01,
  ...body, ...op.get(i), ...op.i32(step), ...op.i32Add, ...op.set(i), 0x0c, 0x00, 0x0b, 0x0b,
];

/** Params: dst, src, n (, divisor). Locals: i, end (, divisor splat). */
function kernel(divide: boolean): number[] {
  const i = divide ? 4 : 3;
  const end = i + 1;
  const splat = i + 2;
  const at = (ptr: number) => [...op.get(ptr), ...op.get(i), ...op.i32Add];
  const vecBody = [...at(0), ...at(0), ...op.v128Load, ...at(1), ...op.v128Load, ...op.f32x4Add, ...(divide ? [...op.get(splat), ...op.f32x4Div] : []), ...op.v128Store];
  const scalarBody = [...at(0), ...at(0), ...op.f32Load, ...at(1), ...op.f32Load, ...op.f32Add, ...(divide ? [...op.get(3), ...op.f32Div] : []), ...op.f32Store];
  const code = [
    ...(divide ? [...op.get(3), ...op.f32x4Splat, ...op.set(splat)] : []),
    ...op.get(2), ...op.i32(2), ...op.i32Shl, ...op.i32(-16), ...op.i32And, ...op.set(end), // end = (n * 4) & ~15
    ...loop(i, end, 16, vecBody),
    ...op.get(2), ...op.i32(2), ...op.i32Shl, ...op.set(end), // end = n * 4
    ...loop(i, end, 4, scalarBody),
    0x0b,
  ];
  const body = [...(divide ? vec([[2, I32], [1, V128]]) : vec([[2, I32]])), ...code];
  return [...leb(body.length), ...body];
}

const MODULE = new Wasm.Module(
  new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32]]), 0x00], [0x60, ...vec([[I32], [I32], [I32], [F32]]), 0x00]])),
    // Imports a shared memory (limits flag 0x03: shared, with a maximum) of at least 1 page.
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x03, ...leb(1), ...leb(MAX_PAGES)]])),
    ...section(3, vec([[0x00], [0x01]])),
    ...section(7, vec([[...name('add'), 0x00, 0x00], [...name('add_div'), 0x00, 0x01]])),
    ...section(10, vec([kernel(false), kernel(true)])),
  ]),
);

interface Kernels {
  add(dst: number, src: number, n: number): void;
  add_div(dst: number, src: number, n: number, divisor: number): void;
}

/** Stages an operand that lives outside the reduction memory: a grow-only region reused by every call. */
class Staging {
  private region: Uint8Array | undefined;
  constructor(private readonly memory: ReduceMemory) {}

  /** Copies `bytes` in; returns its address. */
  stage(bytes: Uint8Array): number {
    const region = this.room(bytes.byteLength);
    region.set(bytes);
    return region.byteOffset;
  }

  /** The staged bytes, to copy a result back out. */
  bytes(length: number): Uint8Array {
    return this.region!.subarray(0, length);
  }

  private room(length: number): Uint8Array {
    if (!this.region || this.region.byteLength < length) {
      if (this.region) this.memory.release(this.region);
      this.region = this.memory.allocateBytes(Math.max(length, 64 << 10));
    }
    return this.region;
  }
}

const bytesOf = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Reduces float32 data in the reduction memory: in place where the operands live there, staged otherwise. */
export class SimdReducer {
  private readonly kernels: Kernels;
  private readonly dstStaging: Staging;
  private readonly srcStaging: Staging;

  constructor(private readonly memory: ReduceMemory = reduceMemory) {
    this.kernels = new Wasm.Instance(MODULE, { env: { memory: memory.memory } }).exports as unknown as Kernels;
    this.dstStaging = new Staging(memory);
    this.srcStaging = new Staging(memory);
  }

  /** dst[i] += (float32 at payload[4i..4i+4)). payload holds exactly dst.length elements, at any offset. */
  accumulate(dst: Float32Array, payload: Uint8Array): void {
    this.run(dst, payload, (d, s) => this.kernels.add(d, s, dst.length));
  }

  /** dst[i] = (dst[i] + payload element i) / divisor. */
  accumulateAndDivide(dst: Float32Array, payload: Uint8Array, divisor: number): void {
    this.run(dst, payload, (d, s) => this.kernels.add_div(d, s, dst.length, divisor));
  }

  private run(dst: Float32Array, payload: Uint8Array, kernel: (dst: number, src: number) => void): void {
    const src = this.memory.addressOf(payload) ?? this.srcStaging.stage(payload);
    const inPlace = this.memory.addressOf(dst);
    if (inPlace !== undefined) return kernel(inPlace, src);
    kernel(this.dstStaging.stage(bytesOf(dst)), src);
    bytesOf(dst).set(this.dstStaging.bytes(dst.byteLength));
  }
}
