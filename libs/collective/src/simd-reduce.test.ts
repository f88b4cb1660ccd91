import { describe, expect, it } from 'vitest';
import { simdMemory } from '@ringtrain/simd';
import { SimdReducer } from './simd-reduce.js';
import { randomInput } from './test-support.js';

// Reference in float32 arithmetic: each result is rounded to float32, as the wasm f32 ops do.
const f = Math.fround;

describe('SimdReducer', () => {
  const reducer = new SimdReducer();
  // Lengths around the 4-lane boundary exercise the vector loop, the scalar tail and both together;
  // the payload sits at an odd byte offset, as it does in a read buffer.
  for (const n of [0, 1, 3, 4, 5, 7, 8, 37, 1000, 70_000]) {
    it(`adds and averages ${n} elements exactly as float32 arithmetic does`, () => {
      const a = randomInput(n + 1, n);
      const b = randomInput(n + 2, n);
      const holder = new Uint8Array(n * 4 + 1);
      holder.set(new Uint8Array(b.buffer), 1);
      const payload = holder.subarray(1);

      const sum = a.slice();
      reducer.accumulate(sum, payload);
      const avg = a.slice();
      reducer.accumulateAndDivide(avg, payload, 3);
      for (let i = 0; i < n; i++) {
        expect(sum[i]).toBe(f(a[i]! + b[i]!));
        expect(avg[i]).toBe(f(f(a[i]! + b[i]!) / 3));
      }
    });
  }

  it('writes only the destination range (a subarray of a larger buffer)', () => {
    const whole = new Float32Array(12).fill(1);
    reducer.accumulate(whole.subarray(4, 8), new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer));
    expect([...whole]).toEqual([1, 1, 1, 1, 2, 3, 4, 5, 1, 1, 1, 1]);
  });

  // Operands in the SIMD memory are used where they are; the others are staged. Every combination
  // must give the same float32 results (and leave the operands in the memory otherwise untouched).
  for (const [dstIn, srcIn] of [[true, true], [true, false], [false, true]] as const) {
    it(`reduces with dst ${dstIn ? 'in' : 'outside'} and payload ${srcIn ? 'in' : 'outside'} the SIMD memory`, () => {
      const n = 70_003;
      const a = randomInput(7, n);
      const b = randomInput(8, n);
      const dst = dstIn ? simdMemory.allocate(n) : new Float32Array(n);
      dst.set(a);
      const src = srcIn ? simdMemory.allocate(n) : new Float32Array(n);
      src.set(b);
      // An odd byte offset inside the memory too, as a landing region can leave it.
      const holder = srcIn ? simdMemory.allocateBytes(n * 4 + 1) : new Uint8Array(n * 4 + 1);
      holder.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), 1);
      reducer.accumulate(dst, holder.subarray(1));
      for (let i = 0; i < n; i++) expect(dst[i]).toBe(f(a[i]! + b[i]!));
      reducer.accumulateAndDivide(dst.subarray(1, 5), new Uint8Array(src.buffer, src.byteOffset, 16), 4);
      for (let i = 1; i < 5; i++) expect(dst[i]).toBe(f(f(f(a[i]! + b[i]!) + b[i - 1]!) / 4));
      expect(dst[0]).toBe(f(a[0]! + b[0]!));
      expect(dst[5]).toBe(f(a[5]! + b[5]!));
      expect([...src.subarray(0, 3)]).toEqual([...b.subarray(0, 3)]);
    });
  }
});
