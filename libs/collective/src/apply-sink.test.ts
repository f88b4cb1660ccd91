import { describe, expect, it } from 'vitest';
import { applySink, gatedSink } from './apply-sink.js';
import { Float16Wire, Float32Wire } from './wire-format.js';
import { randomInput } from './test-support.js';

// A streaming transport may cut a payload anywhere - inside an element, at odd offsets. Whatever the
// cuts, accumulating through the sink must give exactly what accumulating the whole payload gives.
describe('applySink', () => {
  for (const wire of [new Float32Wire(), new Float16Wire()]) {
    it(`combines ${wire.dtype} payloads cut at arbitrary byte offsets exactly as the whole payload`, () => {
      const n = 1001;
      const base = randomInput(1, n);
      const payload = wire.encode(randomInput(2, n)).slice();
      const expected = base.slice();
      wire.accumulate(expected, payload);
      for (const cuts of [[1], [3, 5, 7], [2, 2, 2, 2, 2, 1], [4000], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]]) {
        const dst = base.slice();
        const sink = applySink(dst, wire.bytesPerElement, (d, bytes) => wire.accumulate(d, bytes));
        expect(sink.byteLength).toBe(payload.length);
        let at = 0;
        for (let i = 0; at < payload.length; i++) {
          const len = cuts[i % cuts.length]!;
          // Copy each piece to an odd offset of a fresh buffer, as a read buffer would hold it.
          const holder = new Uint8Array(len + 3);
          holder.set(payload.subarray(at, at + len), 3);
          sink.write(holder.subarray(3, 3 + Math.min(len, payload.length - at)));
          at += len;
        }
        expect(Buffer.from(dst.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      }
    });
  }
});

describe('gatedSink', () => {
  it('holds pieces while the region is busy and replays copies of them in order, even from a reused Buffer', () => {
    const dst = new Float32Array(4);
    const inner = applySink(dst, 4, (d, bytes) => new Uint8Array(d.buffer, d.byteOffset, d.byteLength).set(bytes));
    let busy = true;
    const sink = gatedSink(inner, () => busy);
    const readBuffer = Buffer.alloc(16); // a transport reuses one read buffer for every read
    const payload = Buffer.from(new Float32Array([1, 2, 3, 4]).buffer);
    readBuffer.set(payload.subarray(0, 6));
    sink.write(readBuffer.subarray(0, 6)); // held: the region is still being sent
    busy = false;
    readBuffer.fill(0xff); // the next read overwrites the buffer
    readBuffer.set(payload.subarray(6));
    sink.write(readBuffer.subarray(0, 10)); // held too: earlier pieces are still waiting
    expect([...dst]).toEqual([0, 0, 0, 0]);
    sink.flush();
    expect([...dst]).toEqual([1, 2, 3, 4]);
  });
});
