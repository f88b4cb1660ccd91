// A structural pass over untrusted msgpack bytes, run before msgpackr decodes them.
//
// msgpackr's decoder cannot be told to refuse extensions. Whatever the Unpackr options, it applies
// record definitions (ext 0x72: they make the fixint bytes 0x40..0x7f mean "a record", and after a few
// uses compile a reader with new Function), builds Dates from timestamps (ext -1), Errors, RegExps,
// Sets, typed arrays and bigints from other ext types, returns a marker object for the reserved byte
// 0xc1, and runs whatever extension other code in the process registered with addExtension. Its
// reader is also recursive, so deep nesting ends in a stack overflow.
//
// This pass walks the bytes once, iteratively and without allocating per value, and accepts only the
// JSON-like part of msgpack: nil, booleans, integers, floats, strings, binary, arrays and maps with
// string keys, nested at most `maxDepth` deep, with exactly one value filling the buffer. Length
// prefixes are checked against the bytes that remain, so a header claiming 2^32 entries fails at once.

import { ErrorCodes, ProtocolError, type ErrorContext } from '@ringtrain/common';

/**
 * Throws ProtocolError E_PROTOCOL unless `bytes` is exactly one plain msgpack value (no extensions,
 * string map keys only) nested at most `maxDepth` deep.
 */
export function checkMsgpackStructure(bytes: Uint8Array, maxDepth: number, context: ErrorContext = {}): void {
  const fail = (detail: string): never => {
    throw new ProtocolError(ErrorCodes.PROTOCOL, `control message is not plain msgpack: ${detail}`, context);
  };
  const end = bytes.length;
  let pos = 0;
  const readLength = (size: 1 | 2 | 4): number => {
    if (end - pos < size) fail(`truncated at byte ${pos}`);
    let length = 0;
    for (let i = 0; i < size; i++) length = length * 256 + bytes[pos++]!;
    return length;
  };

  // Values still unread in the current container and whether it is a map (its values alternate key,
  // value), and the same for each enclosing container, outermost first. The top level holds exactly
  // one value.
  const enclosingUnread: number[] = [];
  const enclosingIsMap: boolean[] = [];
  let unread = 1;
  let isMap = false;
  for (;;) {
    if (unread === 0) {
      if (enclosingUnread.length === 0) break;
      unread = enclosingUnread.pop()!;
      isMap = enclosingIsMap.pop()!;
      continue;
    }
    // A map of n entries starts with 2n unread values, so an even count means a key comes next.
    const isKey = isMap && unread % 2 === 0;
    unread -= 1;
    if (pos >= end) fail(`truncated at byte ${pos}`);
    const start = pos;
    const token = bytes[pos++]!;
    if (isKey && !isStringToken(token)) fail(`map key at byte ${start} is not a string`);
    let payloadBytes = 0; // bytes of string, binary or number data after the header
    let children = -1; // values inside, for a map (keys and values) or an array; -1 for a scalar
    if (token <= 0x7f || token >= 0xe0) {
      // positive or negative fixint: the token is the value
    } else if (token <= 0x8f) {
      children = 2 * (token & 0x0f);
    } else if (token <= 0x9f) {
      children = token & 0x0f;
    } else if (token <= 0xbf) {
      payloadBytes = token & 0x1f;
    } else {
      switch (token) {
        case 0xc0: // nil
        case 0xc2: // false
        case 0xc3: // true
          break;
        case 0xcc: // uint 8
        case 0xd0: // int 8
          payloadBytes = 1;
          break;
        case 0xcd: // uint 16
        case 0xd1: // int 16
          payloadBytes = 2;
          break;
        case 0xca: // float 32
        case 0xce: // uint 32
        case 0xd2: // int 32
          payloadBytes = 4;
          break;
        case 0xcb: // float 64
        case 0xcf: // uint 64
        case 0xd3: // int 64
          payloadBytes = 8;
          break;
        case 0xc4: // bin 8
        case 0xd9: // str 8
          payloadBytes = readLength(1);
          break;
        case 0xc5: // bin 16
        case 0xda: // str 16
          payloadBytes = readLength(2);
          break;
        case 0xc6: // bin 32
        case 0xdb: // str 32
          payloadBytes = readLength(4);
          break;
        case 0xdc: // array 16
          children = readLength(2);
          break;
        case 0xdd: // array 32
          children = readLength(4);
          break;
        case 0xde: // map 16
          children = 2 * readLength(2);
          break;
        case 0xdf: // map 32
          children = 2 * readLength(4);
          break;
        case 0xc1:
          fail(`reserved byte 0xc1 at byte ${start}`);
          break;
        default: {
          // 0xc7..0xc9 (ext 8/16/32) and 0xd4..0xd8 (fixext): the type byte follows the length, if any.
          const lengthBytes = token === 0xc7 ? 1 : token === 0xc8 ? 2 : token === 0xc9 ? 4 : 0;
          const typeAt = pos + lengthBytes;
          const extType = typeAt < end ? String((bytes[typeAt]! << 24) >> 24) : 'unknown';
          fail(`extension type ${extType} at byte ${start} (records, timestamps and other extensions are not accepted)`);
        }
      }
    }
    if (payloadBytes > end - pos) fail(`value at byte ${start} claims ${payloadBytes} bytes but ${end - pos} remain`);
    pos += payloadBytes;
    if (children >= 0) {
      if (enclosingUnread.length + 1 > maxDepth) fail(`maps and arrays nested deeper than ${maxDepth} levels`);
      // Every value takes at least one byte, so a larger count can never be satisfied.
      if (children > end - pos) fail(`container at byte ${start} claims ${children} values but ${end - pos} bytes remain`);
      enclosingUnread.push(unread);
      enclosingIsMap.push(isMap);
      unread = children;
      isMap = token <= 0x8f || token >= 0xde;
    }
  }
  if (pos !== end) fail(`${end - pos} trailing byte(s) after the message`);
}

/** fixstr, str 8, str 16 or str 32. */
function isStringToken(token: number): boolean {
  return (token >= 0xa0 && token <= 0xbf) || (token >= 0xd9 && token <= 0xdb);
}
