import { ErrorCodes, ProtocolError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, FRAME_VERSION, encodeFrameHeader, encodeSlotFrame, parseFrameHeader, payloadLengthError, type FrameHeader } from './index.js';

const header: FrameHeader = { generation: 0x01020304, step: 5, bucket: 6, phase: 7, chunk: 8, payloadBytes: 16 };

function frameError(bytes: Uint8Array): ProtocolError {
  try {
    parseFrameHeader(bytes);
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
  throw new Error('parseFrameHeader accepted the header');
}

describe('encodeFrameHeader', () => {
  it('writes the documented 24-byte little-endian layout', () => {
    expect([...encodeFrameHeader(header)]).toEqual([
      0x52, 0x54, FRAME_VERSION, 7, // 'R' 'T', version, phase
      0x04, 0x03, 0x02, 0x01, // generation 0x01020304, little-endian
      5, 0, 0, 0, // step
      6, 0, 0, 0, // bucket
      8, 0, 0, 0, // chunk
      16, 0, 0, 0, // payload bytes
    ]);
  });

  it.each([
    ['phase above 255', { phase: 256 }],
    ['negative step', { step: -1 }],
    ['fractional generation', { generation: 1.5 }],
    ['bucket beyond u32', { bucket: 2 ** 32 }],
    ['NaN chunk', { chunk: Number.NaN }],
    ['negative payload length', { payloadBytes: -4 }],
  ])('throws RangeError for a %s', (_what, field) => {
    expect(() => encodeFrameHeader({ ...header, ...field })).toThrow(RangeError);
  });
});

describe('parseFrameHeader', () => {
  it('round-trips every field, up to the u32 maxima', () => {
    const max: FrameHeader = { generation: 0xffffffff, step: 0xffffffff, bucket: 0xffffffff, phase: 255, chunk: 0xffffffff, payloadBytes: 0xffffffff };
    expect(parseFrameHeader(encodeFrameHeader(max))).toEqual(max);
    expect(parseFrameHeader(encodeFrameHeader(header))).toEqual(header);
  });

  it("marks a slot frame ('R','S': the payload is in a shared slot) and only that one", () => {
    const slot = encodeFrameHeader({ ...header, inSlot: true });
    expect([slot[0], slot[1]]).toEqual([0x52, 0x53]);
    expect(parseFrameHeader(slot)).toEqual({ ...header, inSlot: true });
    expect(parseFrameHeader(encodeFrameHeader(header)).inSlot).toBeUndefined();
  });

  it('encodes a whole slot frame: the marked header, then the slot index', () => {
    const frame = encodeSlotFrame(header, 0x0a0b0c0d);
    expect(parseFrameHeader(frame.subarray(0, FRAME_HEADER_BYTES))).toEqual({ ...header, inSlot: true });
    expect([...frame.subarray(FRAME_HEADER_BYTES)]).toEqual([0x0d, 0x0c, 0x0b, 0x0a]);
    expect(() => encodeSlotFrame(header, -1)).toThrow(RangeError);
  });

  it('reads a header that sits at an offset inside a larger buffer', () => {
    const buffer = Buffer.concat([Buffer.from([0xaa, 0xbb, 0xcc]), encodeFrameHeader(header), Buffer.alloc(16)]);
    expect(parseFrameHeader(buffer.subarray(3, 3 + FRAME_HEADER_BYTES))).toEqual(header);
  });

  it('E_PROTOCOL for bad magic', () => {
    const bytes = encodeFrameHeader(header);
    bytes[1] = 0x55;
    const err = frameError(bytes);
    expect([err.code, err.detail]).toEqual([ErrorCodes.PROTOCOL, 'frame header has bad magic (not a ringtrain data frame)']);
  });

  it('E_VERSION for another frame version', () => {
    const bytes = encodeFrameHeader(header);
    bytes[2] = FRAME_VERSION + 1;
    const err = frameError(bytes);
    expect([err.code, err.detail]).toEqual([ErrorCodes.VERSION_MISMATCH, `frame version ${FRAME_VERSION + 1} is not ${FRAME_VERSION}`]);
  });

  it('E_PROTOCOL for a truncated header', () => {
    const err = frameError(encodeFrameHeader(header).subarray(0, 23));
    expect([err.code, err.detail]).toEqual([ErrorCodes.PROTOCOL, 'frame header must be 24 bytes, got 23']);
  });

  it('E_PROTOCOL when the payload that arrived is not the announced length', () => {
    const err = payloadLengthError(16, 12);
    expect([err.code, err.detail]).toEqual([
      ErrorCodes.PROTOCOL,
      'frame header announces 16 payload bytes but 12 arrived (truncated or corrupt frame)',
    ]);
  });

  it('attaches the caller\u2019s context', () => {
    expect(() => parseFrameHeader(new Uint8Array(3), { peer: 2, step: 9 })).toThrow(
      'E_PROTOCOL: frame header must be 24 bytes, got 3 [peer 2, step 9]',
    );
  });
});
