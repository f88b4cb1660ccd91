import { describe, expect, it } from 'vitest';
import type { PayloadSink } from '@ringtrain/transport';
import { applySink, copySink, gatedSink } from './apply-sink.js';
import { simdMemory } from '@ringtrain/simd';
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

/**
 * Feeds `payload` to `sink` as a socket reader would: each step asks for a region (reserve) and fills
 * at most `cut` bytes of it, or - when the sink offers none, or every third step - writes a piece.
 */
function feedMixed(sink: PayloadSink, payload: Uint8Array, cuts: number[]): { placed: number; written: number } {
  let at = 0;
  let placed = 0;
  let written = 0;
  for (let i = 0; at < payload.length; i++) {
    const cut = Math.min(cuts[i % cuts.length]!, payload.length - at);
    const region = i % 3 === 2 ? undefined : sink.reserve?.(payload.length - at);
    if (region) {
      const n = Math.min(cut, region.length);
      region.set(payload.subarray(at, at + n));
      sink.commit!(n);
      at += n;
      placed += n;
    } else {
      sink.write(payload.slice(at, at + cut));
      at += cut;
      written += cut;
    }
  }
  return { placed, written };
}

describe('reserve and commit (a transport placing bytes itself)', () => {
  for (const wire of [new Float32Wire(), new Float16Wire()]) {
    it(`combines ${wire.dtype} payloads landed in pieces of any size, mixed with written pieces, exactly`, () => {
      const n = 5003;
      const base = randomInput(3, n);
      const payload = wire.encode(randomInput(4, n)).slice();
      const expected = base.slice();
      wire.accumulate(expected, payload);
      const landing = simdMemory.allocateBytes(1000); // smaller than the payload: many reservations
      for (const cuts of [[1], [3, 5, 7], [4096], [2, 999, 6]]) {
        const dst = base.slice();
        const { placed, written } = feedMixed(applySink(dst, wire.bytesPerElement, (d, bytes) => wire.accumulate(d, bytes), landing), payload, cuts);
        expect(placed).toBeGreaterThan(0);
        expect(written).toBeGreaterThan(0);
        expect(Buffer.from(dst.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      }
      simdMemory.release(landing);
    });
  }

  it('copySink hands out the destination itself, so placed bytes need no copy', () => {
    const dst = new Uint8Array(10);
    const sink = copySink(dst);
    const region = sink.reserve!(4)!;
    expect(region.buffer).toBe(dst.buffer);
    expect(region.byteOffset).toBe(0);
    region.set([1, 2, 3]);
    expect(sink.reserving).toBe(true);
    sink.commit!(3);
    expect(sink.reserving).toBe(false);
    sink.write(new Uint8Array([4, 5]));
    expect(sink.reserve!(5)!.byteOffset).toBe(5);
    sink.commit!(0);
    const payload = Uint8Array.from({ length: 10 }, (_, i) => i + 1);
    const again = new Uint8Array(10);
    feedMixed(copySink(again), payload, [3, 1, 4]);
    expect([...dst.subarray(0, 5)]).toEqual([1, 2, 3, 4, 5]);
    expect([...again]).toEqual([...payload]);
  });

  it('applySink without a landing region offers none', () => {
    expect(applySink(new Float32Array(2), 4, () => undefined).reserve).toBeUndefined();
  });
});

describe('gatedSink', () => {
  it('offers no region while the region is busy or pieces are held, and passes reservations through otherwise', () => {
    const dst = new Float32Array(2);
    let busy = true;
    const sink = gatedSink(copySink(new Uint8Array(dst.buffer)), () => busy);
    expect(sink.reserve!(8)).toBeUndefined();
    sink.write(new Uint8Array(new Float32Array([5]).buffer)); // held
    busy = false;
    expect(sink.reserve!(4)).toBeUndefined(); // held bytes must go first, in order
    sink.flush();
    const region = sink.reserve!(4)!;
    region.set(new Uint8Array(new Float32Array([6]).buffer));
    sink.commit!(4);
    expect([...dst]).toEqual([5, 6]);
  });

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

  it('once detached, passes nothing on and offers no region, and reports a region still open', () => {
    const dst = new Float32Array(4);
    const sink = gatedSink(copySink(new Uint8Array(dst.buffer)), () => false);
    const open = sink.reserve!(8)!; // handed to a socket read that has not happened yet
    expect(sink.detach()).toBe(true);
    open.set(new Uint8Array(new Float32Array([7, 7]).buffer)); // the read lands after all: nothing to do about it
    sink.commit!(8);
    sink.write(new Uint8Array(new Float32Array([9, 9]).buffer));
    expect(sink.reserve!(8)).toBeUndefined();
    expect([...dst]).toEqual([7, 7, 0, 0]);

    const closed = gatedSink(copySink(new Uint8Array(8)), () => false);
    closed.reserve!(4);
    closed.commit!(4);
    expect(closed.detach()).toBe(false);
  });
});
