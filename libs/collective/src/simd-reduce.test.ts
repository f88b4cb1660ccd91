import { describe, expect, it } from 'vitest';
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
});
