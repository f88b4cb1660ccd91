// The parser's zero-copy path: a reader asks directTarget() where the next read goes and reports it
// with pushDirect(). Fed as a socket would feed it, it must deliver exactly the bytes the listener
// framed, never hand out a region reaching past the payload, and fail on a read it did not offer room for.
import { describe, expect, it } from 'vitest';
import { encodeFrameHeader, type FrameHeader } from '@ringtrain/protocol';
import { DataFrameParser, type MessageSink } from './frame-parser.js';

/** A message as ws's server-side Sender frames it: the 24-byte header, then the payload as a continuation. */
function framed(header: FrameHeader, payload: Uint8Array): Buffer {
  const len = payload.length;
  const lengthBytes = len < 126 ? [len] : len < 65536 ? [126, len >> 8, len & 0xff] : [127, 0, 0, 0, 0, (len >>> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff];
  return Buffer.concat([Buffer.from([0x02, 24]), encodeFrameHeader(header), Buffer.from([0x80, ...lengthBytes]), payload]);
}

const header = (chunk: number, payloadBytes: number): FrameHeader => ({ generation: 0, step: 1, bucket: 0, phase: 1, chunk, payloadBytes });
const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

/** A sink that offers its own buffer for direct reads (as a receive into the caller's buffer does). */
function placingSink(length: number) {
  const bytes = new Uint8Array(length);
  let filled = 0;
  const sink: MessageSink & { bytes: Uint8Array; placed: number; regions: number[] } = {
    bytes,
    placed: 0,
    regions: [],
    write(piece) {
      bytes.set(piece, filled);
      filled += piece.length;
    },
    reserve(max) {
      sink.regions.push(max);
      return bytes.subarray(filled, filled + max);
    },
    commit(n) {
      filled += n;
      sink.placed += n;
    },
  };
  return sink;
}

describe('DataFrameParser direct reads', () => {
  it('places payloads straight into their sinks, message after message, as a socket reader drives it', () => {
    const payloads = [pattern(70_000, 1), pattern(5, 2), pattern(0, 3), pattern(300_001, 4)];
    const stream = Buffer.concat(payloads.map((p, i) => framed(header(i, p.length), p)));
    const sinks: ReturnType<typeof placingSink>[] = [];
    const ended: number[] = [];
    const parser = new DataFrameParser(
      {
        onHeader: (h) => {
          const s = placingSink(h.payloadBytes);
          sinks.push(s);
          return s;
        },
        onMessageEnd: (h) => ended.push(h.chunk),
        onSlotMessage: () => undefined,
        onClose: () => undefined,
      },
      1 << 20,
    );
    // Reads bring at most 9,000 bytes; between payloads the reader reads 40 bytes at a time.
    let at = 0;
    while (at < stream.length) {
      const region = parser.directTarget();
      if (region) {
        const n = Math.min(region.length, 9000, stream.length - at);
        region.set(stream.subarray(at, at + n));
        parser.pushDirect(n);
        at += n;
      } else {
        const n = Math.min(40, stream.length - at);
        parser.push(stream.subarray(at, at + n));
        at += n;
      }
    }
    expect(ended).toEqual([0, 1, 2, 3]);
    sinks.forEach((s, i) => expect(Buffer.from(s.bytes).equals(Buffer.from(payloads[i]!))).toBe(true));
    // Nearly all of the big payloads went straight in; no region ever reached past its payload.
    expect(sinks[3]!.placed).toBeGreaterThan(300_001 - 40);
    sinks.forEach((s, i) => s.regions.forEach((max) => expect(max).toBeLessThanOrEqual(payloads[i]!.length)));
    expect(parser.directTarget()).toBeUndefined(); // between messages
  });

  it('offers no region to a sink without reserve()', () => {
    const parser = new DataFrameParser({ onHeader: () => ({ write: () => undefined }), onMessageEnd: () => undefined, onSlotMessage: () => undefined, onClose: () => undefined }, 1 << 20);
    parser.push(framed(header(0, 100), pattern(100, 0)).subarray(0, 40));
    expect(parser.inPayload).toBe(true);
    expect(parser.directTarget()).toBeUndefined();
  });

  it('fails with E_PROTOCOL when a read reports more bytes than the region offered, and stays failed', () => {
    const parser = new DataFrameParser({ onHeader: (h) => placingSink(h.payloadBytes), onMessageEnd: () => undefined, onSlotMessage: () => undefined, onClose: () => undefined }, 1 << 20);
    parser.push(framed(header(0, 100), pattern(100, 0)).subarray(0, 40));
    const region = parser.directTarget()!;
    expect(region.length).toBe(100 - (40 - 2 - 24 - 2));
    expect(() => parser.pushDirect(region.length + 1)).toThrow(expect.objectContaining({ code: 'E_PROTOCOL' }));
    expect(parser.directTarget()).toBeUndefined();
    expect(() => parser.push(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'E_PROTOCOL' }));
  });

  it('clamps a region a sink makes too big, ignores a sink without commit(), and fails on a sink that throws', () => {
    const stream = framed(header(0, 100), pattern(100, 0));
    const greedy = new DataFrameParser({ onHeader: () => ({ write: () => undefined, reserve: () => new Uint8Array(1000), commit: () => undefined }), onMessageEnd: () => undefined, onSlotMessage: () => undefined, onClose: () => undefined }, 1 << 20);
    greedy.push(stream.subarray(0, 28)); // the headers: the whole payload is still to come
    expect(greedy.directTarget()!.length).toBe(100);

    const noCommit = new DataFrameParser({ onHeader: () => ({ write: () => undefined, reserve: () => new Uint8Array(100) }), onMessageEnd: () => undefined, onSlotMessage: () => undefined, onClose: () => undefined }, 1 << 20);
    noCommit.push(stream.subarray(0, 28));
    expect(noCommit.directTarget()).toBeUndefined();

    const throwing = new DataFrameParser({ onHeader: () => ({ write: () => undefined, reserve: () => { throw new Error('sink broke'); }, commit: () => undefined }), onMessageEnd: () => undefined, onSlotMessage: () => undefined, onClose: () => undefined }, 1 << 20);
    throwing.push(stream.subarray(0, 28));
    expect(() => throwing.directTarget()).toThrow(expect.objectContaining({ code: 'E_PROTOCOL' }));
  });
});

/** A slot frame as the sender writes it: the 24-byte header ('R','S') and the slot index, in one frame. */
function slotFrame(h: FrameHeader, body: number[]): Buffer {
  return Buffer.concat([Buffer.from([0x82, 24 + body.length]), encodeFrameHeader({ ...h, inSlot: true }), Buffer.from(body)]);
}

describe('DataFrameParser slot frames', () => {
  function parserSeeing(events: string[]) {
    return new DataFrameParser(
      {
        onHeader: (h) => {
          events.push(`header ${h.chunk}`);
          return { write: (piece) => void events.push(`${piece.length} bytes`) };
        },
        onMessageEnd: (h) => void events.push(`end ${h.chunk}`),
        onSlotMessage: (h, slot) => void events.push(`slot ${slot}: chunk ${h.chunk}, ${h.payloadBytes} bytes`),
        onClose: () => undefined,
      },
      1 << 20,
    );
  }

  it('hands the slot index and the header to onSlotMessage, between ordinary messages, however the bytes are split', () => {
    const stream = Buffer.concat([framed(header(0, 3), pattern(3, 1)), slotFrame(header(1, 70_000), [3, 0, 0, 0]), framed(header(2, 2), pattern(2, 2))]);
    for (const step of [1, 7, stream.length]) {
      const events: string[] = [];
      const parser = parserSeeing(events);
      for (let at = 0; at < stream.length; at += step) parser.push(stream.subarray(at, at + step));
      expect(events.filter((e) => !e.endsWith('bytes') || e.startsWith('slot'))).toEqual(['header 0', 'end 0', 'slot 3: chunk 1, 70000 bytes', 'header 2', 'end 2']);
    }
  });

  it.each([
    ['a short slot index', [1, 0], 'slot frame body is 2 bytes, not a 4-byte slot index'],
    ['a long slot index', [1, 0, 0, 0, 0], 'slot frame body is longer than its 4-byte slot index'],
  ])('E_PROTOCOL for %s', (_what, body, detail) => {
    const parser = parserSeeing([]);
    expect(() => parser.push(slotFrame(header(0, 8), body))).toThrow(detail);
  });

  it('E_OVERSIZE for a slot payload over the limit', () => {
    const parser = new DataFrameParser({ onHeader: () => ({ write: () => undefined }), onMessageEnd: () => undefined, onSlotMessage: () => undefined, onClose: () => undefined }, 1000);
    expect(() => parser.push(slotFrame(header(0, 1001), [0, 0, 0, 0]))).toThrow(/E_OVERSIZE/);
  });
});
