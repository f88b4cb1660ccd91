// Control messages on the wire: one msgpack map per WebSocket message.
//
// Decoding untrusted bytes goes size limit -> structural check (msgpack-structure.ts: no extensions,
// bounded nesting, lengths that fit) -> msgpackr -> schema (validate.ts). The msgpackr instances below
// are configured for plain data only: maps become plain objects, and records, structured cloning and
// the extra types (typed arrays, Sets, Errors, RegExps) are off. msgpackr renames a `__proto__` key
// to `__proto_`, an ordinary own key (an unknown field in a message, plain data in the run config), so
// decoding never reaches a prototype.

import { ErrorCodes, ProtocolError, type ErrorContext } from '@ringtrain/common';
import { Packr, Unpackr, type Options } from 'msgpackr';
import { DEFAULT_MAX_CONTROL_MESSAGE_BYTES, MAX_NESTING_DEPTH } from './limits.js';
import type { Message } from './messages.js';
import { checkMsgpackStructure } from './msgpack-structure.js';
import { validateMessage } from './validate.js';

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, structuredClone: false, moreTypes: false });

// skipValues drops optional fields set to undefined (msgpackr would otherwise write them as ext 0,
// which the decoder rejects); msgpackr 2 supports it but its typings do not declare it.
const packr = new Packr({
  useRecords: false,
  structuredClone: false,
  moreTypes: false,
  bundleStrings: false,
  skipValues: [undefined],
} as Options);

export interface EncodeOptions {
  /** Largest encoded size allowed, in bytes; a bigger message throws RangeError. Default DEFAULT_MAX_CONTROL_MESSAGE_BYTES. */
  maxBytes?: number;
}

export interface DecodeOptions {
  /**
   * Largest encoded size accepted, in bytes; bigger input is rejected with E_OVERSIZE before any of it
   * is parsed. Default DEFAULT_MAX_CONTROL_MESSAGE_BYTES.
   */
  maxBytes?: number;
  /** Added to every error this decode throws (for instance the peer's rank). */
  context?: ErrorContext;
}

/**
 * Validates `msg` and encodes it as a msgpack map. A message a receiver would reject is a bug of the
 * sender, so it throws TypeError (with the detail the receiver would report, e.g.
 * `welcome.ring[2].port: expected integer, received 1.5`) rather than ProtocolError; a message over
 * `maxBytes` throws RangeError.
 */
export function encodeMessage(msg: Message, options: EncodeOptions = {}): Buffer {
  const maxBytes = checkMaxBytes(options.maxBytes);
  let bytes: Buffer;
  try {
    bytes = packr.pack(validateMessage(msg));
    // The schemas do not bound how deep the run config nests; the receiver's structural check does.
    checkMsgpackStructure(bytes, MAX_NESTING_DEPTH);
  } catch (err) {
    if (err instanceof ProtocolError) throw new TypeError(`invalid outgoing control message: ${err.detail}`, { cause: err });
    throw err;
  }
  if (bytes.length > maxBytes) {
    throw new RangeError(`${msg.type} message encodes to ${bytes.length} bytes, over the limit of ${maxBytes}`);
  }
  return bytes;
}

/**
 * Decodes and validates one control message. Throws ProtocolError: E_OVERSIZE (over maxBytes, checked
 * first), E_VERSION, E_UNKNOWN_MESSAGE, or E_PROTOCOL (not plain msgpack, not a map, a missing,
 * ill-typed or unknown field, trailing bytes).
 */
export function decodeMessage(bytes: Uint8Array, options: DecodeOptions = {}): Message {
  const maxBytes = checkMaxBytes(options.maxBytes);
  const context = options.context ?? {};
  if (bytes.length > maxBytes) {
    throw new ProtocolError(ErrorCodes.OVERSIZE, `control message of ${bytes.length} bytes is over the limit of ${maxBytes}`, context);
  }
  checkMsgpackStructure(bytes, MAX_NESTING_DEPTH, context);
  let value: unknown;
  try {
    value = unpackr.unpack(bytes);
  } catch (err) {
    // The structural check leaves msgpackr nothing to refuse; should a future version refuse more,
    // its error still reaches the peer as E_PROTOCOL.
    throw new ProtocolError(ErrorCodes.PROTOCOL, `control message is not plain msgpack: ${(err as Error).message}`, context, { cause: err });
  }
  return validateMessage(value, context);
}

function checkMaxBytes(maxBytes = DEFAULT_MAX_CONTROL_MESSAGE_BYTES): number {
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  return maxBytes;
}
