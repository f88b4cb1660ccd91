// What the tests need to play a careless or hostile peer: bytes that skipped validation, and the
// ProtocolError that decoding them raises.

import { ProtocolError } from '@ringtrain/common';
import { Packr } from 'msgpackr';
import { decodeMessage, type DecodeOptions } from '../src/index.js';

const rawPackr = new Packr({ useRecords: false });

/** msgpack for any value, with no schema check (maps as msgpackr writes them: map 16). */
export function packRaw(value: unknown): Buffer {
  return rawPackr.pack(value);
}

/** Decodes `bytes`, expecting a ProtocolError, and returns it. */
export function decodeError(bytes: Uint8Array, options?: DecodeOptions): ProtocolError {
  try {
    decodeMessage(bytes, options);
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
  throw new Error('decodeMessage accepted the input');
}
