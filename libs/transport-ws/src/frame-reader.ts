// Turns one received WebSocket message into (header, payload) without knowing anything of sockets.
// A well-behaved sender sends the 24-byte header as the first fragment and the payload as the second
// (ws hands them over unconcatenated with binaryType 'fragments'), so the common path copies nothing.
// Any other fragmentation is accepted too, at the cost of one concatenation.

import { ErrorCodes, ProtocolError, type ErrorContext } from '@ringtrain/common';
import { decodeFrameHeader, FRAME_HEADER_BYTES, type FrameHeader } from '@ringtrain/protocol';

export interface DataFrame {
  header: FrameHeader;
  payload: Buffer;
}

export function readDataFrame(fragments: Buffer[], context: ErrorContext = {}): DataFrame {
  if (fragments.length === 2 && fragments[0]!.length === FRAME_HEADER_BYTES) {
    const payload = fragments[1]!;
    return { header: decodeFrameHeader(fragments[0]!, payload.length, context), payload };
  }
  const whole = fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments);
  if (whole.length < FRAME_HEADER_BYTES) {
    throw new ProtocolError(ErrorCodes.PROTOCOL, `data frame of ${whole.length} bytes is shorter than its ${FRAME_HEADER_BYTES}-byte header`, context);
  }
  const payload = whole.subarray(FRAME_HEADER_BYTES);
  return { header: decodeFrameHeader(whole.subarray(0, FRAME_HEADER_BYTES), payload.length, context), payload };
}
