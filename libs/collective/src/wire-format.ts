// How floats travel: float32 (bytes of the caller's own buffer, no copy; reduced in WebAssembly SIMD,
// in place when the operands live in the SIMD memory) or float16 (half the bytes, converted on send,
// accumulated in float32 on receive). Received payloads may sit at any byte offset inside the
// transport's buffers; a Uint16Array view needs 2-byte alignment, so an unaligned float16 payload is
// first copied into a reusable aligned scratch buffer (one memcpy, no per-element work).

import { fromHalfBits, toHalfBits } from './float16.js';
import { SimdReducer } from './simd-reduce.js';

export type WireDtype = 'float32' | 'float16';

export interface WireFormat {
  readonly dtype: WireDtype;
  readonly bytesPerElement: number;
  /** True when the wire bytes are the float32 bytes themselves, so assigning is copying (or receiving in place). */
  readonly verbatim: boolean;
  /** Bytes to send for `src`. For float32 a view of `src` itself: do not modify it until the send resolves. */
  encode(src: Float32Array): Uint8Array;
  /** dst[i] += decoded payload[i]. */
  accumulate(dst: Float32Array, payload: Uint8Array): void;
  /** dst[i] = (dst[i] + decoded payload[i]) / divisor, in one pass. */
  accumulateAndDivide(dst: Float32Array, payload: Uint8Array, divisor: number): void;
  /** dst[i] = decoded payload[i]. */
  assign(dst: Float32Array, payload: Uint8Array): void;
  /** Rounds dst to what the wire can carry, so the owner of a chunk holds exactly what the others receive. */
  quantize(dst: Float32Array): void;
}

/** A grow-only aligned buffer for float16 payloads that arrive at an odd byte offset. */
class AlignedScratch {
  private buf = new ArrayBuffer(0);

  /** `payload` as a Uint16Array, copying only if its offset requires it. */
  halves(payload: Uint8Array): Uint16Array {
    const n = payload.byteLength / 2;
    if (payload.byteOffset % 2 === 0) return new Uint16Array(payload.buffer as ArrayBuffer, payload.byteOffset, n);
    if (this.buf.byteLength < payload.byteLength) this.buf = new ArrayBuffer(payload.byteLength);
    new Uint8Array(this.buf, 0, payload.byteLength).set(payload);
    return new Uint16Array(this.buf, 0, n);
  }
}

export class Float32Wire implements WireFormat {
  readonly dtype = 'float32';
  readonly bytesPerElement = 4;
  readonly verbatim = true;

  encode(src: Float32Array): Uint8Array {
    return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  }

  // Reduction runs in WebAssembly SIMD (see simd-reduce.ts): it is on the all-reduce's critical path.
  private readonly simd = new SimdReducer();

  accumulate(dst: Float32Array, payload: Uint8Array): void {
    this.simd.accumulate(dst, payload);
  }

  accumulateAndDivide(dst: Float32Array, payload: Uint8Array, divisor: number): void {
    this.simd.accumulateAndDivide(dst, payload, divisor);
  }

  assign(dst: Float32Array, payload: Uint8Array): void {
    new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(payload);
  }

  quantize(): void {}
}

let halfTable: Float32Array | undefined;
/** All 65,536 binary16 values decoded once (256 KiB), so decoding is one table load per element. */
function halfToFloat(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = fromHalfBits(h);
  }
  return halfTable;
}

export class Float16Wire implements WireFormat {
  readonly dtype = 'float16';
  readonly bytesPerElement = 2;
  readonly verbatim = false;
  private readonly scratch = new AlignedScratch();
  private readonly table = halfToFloat();

  encode(src: Float32Array): Uint8Array {
    const out = new Uint16Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = toHalfBits(src[i]!);
    return new Uint8Array(out.buffer);
  }

  accumulate(dst: Float32Array, payload: Uint8Array): void {
    const src = this.scratch.halves(payload);
    const t = this.table;
    for (let i = 0; i < dst.length; i++) dst[i]! += t[src[i]!]!;
  }

  accumulateAndDivide(dst: Float32Array, payload: Uint8Array, divisor: number): void {
    const src = this.scratch.halves(payload);
    const t = this.table;
    for (let i = 0; i < dst.length; i++) dst[i] = (dst[i]! + t[src[i]!]!) / divisor;
  }

  assign(dst: Float32Array, payload: Uint8Array): void {
    const src = this.scratch.halves(payload);
    const t = this.table;
    for (let i = 0; i < dst.length; i++) dst[i] = t[src[i]!]!;
  }

  quantize(dst: Float32Array): void {
    const t = this.table;
    for (let i = 0; i < dst.length; i++) dst[i] = t[toHalfBits(dst[i]!)]!;
  }
}

// One instance per dtype for the whole process: their scratch memory is reused by every collective
// (calls are synchronous, so sharing is safe) instead of being allocated and grown per call.
const formats: Record<WireDtype, WireFormat | undefined> = { float32: undefined, float16: undefined };

export function wireFormat(dtype: WireDtype): WireFormat {
  return (formats[dtype] ??= dtype === 'float16' ? new Float16Wire() : new Float32Wire());
}
