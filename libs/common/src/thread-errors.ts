// Errors that cross a thread boundary. postMessage's structured clone keeps an Error's message and stack but
// neither its class nor its own fields, so a RingtrainError would arrive as a plain Error without code or
// context. The sending thread flattens it to plain data; the receiving one rebuilds the same class, code,
// detail and context, so `instanceof`, `code` checks (isBrokenRingCode) and exit codes work on both sides.

import {
  AbortedError, AuthError, CheckpointError, CollectiveError, ErrorCodes, InvalidArgumentError, isRingtrainError, NonFiniteError,
  ProtocolError, RingtrainError, RunError, TimeoutError, TransportError, type ErrorCode, type ErrorContext,
} from './errors.js';

/** A RingtrainError as plain, cloneable data. */
export interface SerializedError {
  /** The class name (TransportError, TimeoutError, ...). */
  name: string;
  code: ErrorCode;
  detail: string;
  context: ErrorContext;
}

const CLASSES: Record<string, { prototype: RingtrainError }> = {
  AbortedError, AuthError, CheckpointError, CollectiveError, InvalidArgumentError, NonFiniteError, ProtocolError, RunError, TimeoutError, TransportError,
};

/** Stack frames a bug's detail keeps, so that it says where it happened. */
const BUG_FRAMES = 5;

/**
 * `err` as plain data; anything that is not a RingtrainError (a bug) becomes E_WORKER_FAILED with its message and
 * the first frames of its stack.
 */
export function serializeError(err: unknown): SerializedError {
  if (isRingtrainError(err)) return { name: err.name, code: err.code, detail: err.detail, context: { ...err.context } };
  const frames = err instanceof Error ? (err.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at ')).slice(0, BUG_FRAMES) : [];
  const detail = err instanceof Error ? [`${err.name}: ${err.message}`, ...frames.map((frame) => frame.trim())].join('\n  ') : String(err);
  return { name: 'RunError', code: ErrorCodes.WORKER_FAILED, detail, context: {} };
}

/** The error serializeError() flattened: the same class (RingtrainError for a class this package does not know), code, detail and context. */
export function reviveError(data: SerializedError): RingtrainError {
  const err = new RingtrainError(data.code, data.detail, data.context);
  const known = CLASSES[data.name];
  if (known !== undefined) {
    Object.setPrototypeOf(err, known.prototype);
    err.name = data.name;
  }
  return err;
}
