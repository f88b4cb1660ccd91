import { InvalidArgumentError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { idxBytes, uint8Idx } from '../test/idx-writer.js';
import { parseIdx } from './idx.js';

const FILE = 'data/train-images-idx3-ubyte';

describe('parseIdx', () => {
  it('reads a uint8 image file: dims from the header, pixels row-major', () => {
    const parsed = parseIdx(uint8Idx([2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]), FILE, { dtype: 'uint8', rank: 3 });
    expect(parsed.dtype).toBe('uint8');
    expect(parsed.dims).toEqual([2, 2, 3]);
    expect(Array.from(parsed.data)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  });

  it('reads the header dims as big-endian uint32 (60000 = 0x0000EA60)', () => {
    const bytes = Uint8Array.from([0, 0, 0x08, 1, 0x00, 0x00, 0xea, 0x60, ...new Array<number>(60000).fill(7)]);
    expect(parseIdx(bytes, FILE).dims).toEqual([60000]);
  });

  it.each([
    // Hand-written big-endian payloads: int8 0xfe = -2; int16 0xfffe = -2, 0x0102 = 258; int32 0xfffffffe = -2;
    // float32 0x3fc00000 = 1.5; float64 0xc004000000000000 = -2.5.
    [0x09, [0xfe, 0x05], [-2, 5]],
    [0x0b, [0xff, 0xfe, 0x01, 0x02], [-2, 258]],
    [0x0c, [0xff, 0xff, 0xff, 0xfe], [-2]],
    [0x0d, [0x3f, 0xc0, 0x00, 0x00], [1.5]],
    [0x0e, [0xc0, 0x04, 0, 0, 0, 0, 0, 0], [-2.5]],
  ])('decodes type byte %i big-endian', (typeByte, payload, values) => {
    expect(Array.from(parseIdx(idxBytes(typeByte, [values.length], Uint8Array.from(payload)), FILE).data)).toEqual(values);
  });

  it.each([
    ['a file shorter than the magic', Uint8Array.from([0, 0, 8]), /3 bytes is too short for an IDX magic/],
    ['a bad magic (a gzip stream given as IDX)', Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), /bad IDX magic: starts with 0x1f 0x8b/],
    ['an unknown type byte', idxBytes(0x0a, [1], Uint8Array.from([1])), /unknown IDX type byte 0x0a/],
    ['zero dimensions', Uint8Array.from([0, 0, 8, 0]), /declares 0 dimensions/],
    ['a truncated header', Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1]), /too short for an IDX header of 3 dimensions \(16 bytes\)/],
    ['a payload one byte short', uint8Idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]).subarray(0, 23), /23 bytes, but its header \(uint8 \[2, 2, 2\]\) requires exactly 24/],
    ['a payload one byte long', uint8Idx([1, 1, 2], [1, 2, 3]), /19 bytes, but its header \(uint8 \[1, 1, 2\]\) requires exactly 18/],
  ])('rejects %s, naming the file', (_what, bytes, problem) => {
    let caught: unknown;
    try {
      parseIdx(bytes, FILE);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as InvalidArgumentError).message).toMatch(problem);
    expect((caught as InvalidArgumentError).message).toContain(FILE);
    expect((caught as InvalidArgumentError).context.subject).toBe(FILE);
  });

  it('rejects a valid IDX file of the wrong kind (a label file where images are expected)', () => {
    expect(() => parseIdx(uint8Idx([3], [1, 2, 3]), FILE, { dtype: 'uint8', rank: 3 })).toThrow(
      `${FILE}: expected uint8 data with 3 dimension(s), the header declares uint8 with 1`,
    );
    expect(() => parseIdx(idxBytes(0x0d, [1, 1, 1], new Uint8Array(4)), FILE, { dtype: 'uint8', rank: 3 })).toThrow(/declares float32 with 3/);
  });
});
