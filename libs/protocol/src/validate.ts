// Checks that a decoded value is a control message, in the order that gives a peer the most useful
// error: first the protocol version (a newer peer may send types this side does not know), then the
// type, then the fields.

import { ErrorCodes, ProtocolError, type ErrorCode, type ErrorContext } from '@ringtrain/common';
import { describeFirstIssue, describeValue } from './describe-issue.js';
import { messageSchemas, PROTOCOL_VERSION, type Message, type MessageType } from './messages.js';

/**
 * Returns `value` as a Message (a fresh copy holding only the declared fields) or throws ProtocolError:
 * E_VERSION when `v` is an integer other than PROTOCOL_VERSION, E_UNKNOWN_MESSAGE when `type` is a
 * string naming no message, E_PROTOCOL for anything else (not a map, missing or ill-typed field,
 * unknown field). `context` is attached to the error.
 */
export function validateMessage(value: unknown, context: ErrorContext = {}): Message {
  const fail = (code: ErrorCode, detail: string) => new ProtocolError(code, detail, context);
  if (!isPlainObject(value)) throw fail(ErrorCodes.PROTOCOL, `control message must be a map, received ${describeValue(value)}`);

  const type = Object.hasOwn(value, 'type') ? value['type'] : undefined;
  const name = typeof type === 'string' && isMessageType(type) ? type : 'message';
  const v = Object.hasOwn(value, 'v') ? value['v'] : undefined;
  if (v !== PROTOCOL_VERSION) {
    if (Number.isInteger(v)) {
      throw fail(ErrorCodes.VERSION_MISMATCH, `${name}.v: protocol version ${String(v)} is not ${PROTOCOL_VERSION}`);
    }
    throw fail(ErrorCodes.PROTOCOL, `${name}.v: expected integer protocol version, received ${describeValue(v)}`);
  }
  if (typeof type !== 'string') throw fail(ErrorCodes.PROTOCOL, `message.type: expected string, received ${describeValue(type)}`);
  if (!isMessageType(type)) throw fail(ErrorCodes.UNKNOWN_MESSAGE, `unknown message type ${JSON.stringify(type.slice(0, 64))}`);

  const result = messageSchemas[type].safeParse(value, { reportInput: true });
  if (!result.success) throw fail(ErrorCodes.PROTOCOL, describeFirstIssue(type, result.error));
  return result.data;
}

function isMessageType(type: string): type is MessageType {
  return Object.hasOwn(messageSchemas, type);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
