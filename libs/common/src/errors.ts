// Every error ringtrain raises is a RingtrainError: a stable machine-readable `code`, a message a person
// can act on, and the context that locates it in a distributed run (which rank saw it, which peer caused
// it, at which step and phase). Codes never change meaning once released; add new ones instead.

/** Where in a run an error happened. Every field is optional: fill in what the raiser knows. */
export interface ErrorContext {
  rank?: number;
  peer?: number;
  step?: number;
  phase?: string;
  generation?: number;
  /** A file, option or field name the error is about. */
  subject?: string;
}

export const ErrorCodes = {
  /** A received message or frame is malformed (bad magic, truncated, ill-typed field). */
  PROTOCOL: 'E_PROTOCOL',
  /** A received message has a type this version does not know. */
  UNKNOWN_MESSAGE: 'E_UNKNOWN_MESSAGE',
  /** A peer speaks another protocol version. */
  VERSION_MISMATCH: 'E_VERSION',
  /** A message or payload is over the configured size limit. */
  OVERSIZE: 'E_OVERSIZE',
  /** A peer presented no token or a wrong one. */
  AUTH: 'E_AUTH',
  /** A network wait ran past its deadline. */
  TIMEOUT: 'E_TIMEOUT',
  /** The caller aborted the operation through its AbortSignal. */
  ABORTED: 'E_ABORTED',
  /** A connection to a peer closed or failed while an operation needed it. */
  PEER_CLOSED: 'E_PEER_CLOSED',
  /** A connection could not be established. */
  CONNECT: 'E_CONNECT',
  /** A transport was used after close(). */
  CLOSED: 'E_CLOSED',
  /** A collective was called with arguments that cannot work (sizes differ, bad root, ...). */
  COLLECTIVE_MISUSE: 'E_COLLECTIVE_MISUSE',
  /** A computed value that must be finite is not (e.g. the gradient norm): the run, not the input, is at fault. */
  NONFINITE: 'E_NONFINITE',
  /** An option or configuration value is invalid. Apps exit with code 2 on this. */
  INVALID_ARGUMENT: 'E_INVALID_ARGUMENT',
  /** A checkpoint file is missing, truncated, corrupt (checksum) or does not fit the run. */
  CHECKPOINT: 'E_CHECKPOINT',
  /** A worker was started with a run config other than the coordinator's. */
  CONFIG_MISMATCH: 'E_CONFIG_MISMATCH',
  /** Two workers claimed the same place (node rank, local rank) in the run. */
  DUPLICATE_RANK: 'E_DUPLICATE_RANK',
  /** Replicas that must hold identical parameters do not (their parameter hashes differ). */
  DIVERGED: 'E_DIVERGED',
  /** A worker process failed or left the run, so the run cannot go on. */
  WORKER_FAILED: 'E_WORKER_FAILED',
  /** A peer sent more messages than the rate limit allows. */
  RATE_LIMIT: 'E_RATE_LIMIT',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * Codes of a ring that broke under a worker (a peer closed, timed out, could not be reached, or the link was gone):
 * a symptom of a lost peer, not a fault of the worker that saw it. Elastic runs re-form the ring on them.
 */
const BROKEN_RING_CODES: readonly string[] = [ErrorCodes.PEER_CLOSED, ErrorCodes.TIMEOUT, ErrorCodes.CONNECT, ErrorCodes.CLOSED];

export function isBrokenRingCode(code: string): boolean {
  return BROKEN_RING_CODES.includes(code);
}

function describeContext(ctx: ErrorContext): string {
  const parts: string[] = [];
  if (ctx.rank !== undefined) parts.push(`rank ${ctx.rank}`);
  if (ctx.peer !== undefined) parts.push(`peer ${ctx.peer}`);
  if (ctx.generation !== undefined) parts.push(`generation ${ctx.generation}`);
  if (ctx.step !== undefined) parts.push(`step ${ctx.step}`);
  if (ctx.phase !== undefined) parts.push(`phase ${ctx.phase}`);
  return parts.length > 0 ? ` [${parts.join(', ')}]` : '';
}

export class RingtrainError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;
  /** The message without the context suffix, for callers that format context themselves. */
  readonly detail: string;

  constructor(code: ErrorCode, detail: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(`${code}: ${detail}${describeContext(context)}`, options);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
    this.detail = detail;
  }

  /** A copy of this error with more context filled in (fields already set win). Same class and code. */
  withContext(extra: ErrorContext): this {
    const context = { ...extra, ...this.context };
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    Object.assign(copy, this, { context });
    Object.defineProperties(copy, {
      message: { value: `${this.code}: ${this.detail}${describeContext(context)}`, writable: true, configurable: true },
      stack: { value: this.stack, writable: true, configurable: true },
      cause: { value: this.cause, writable: true, configurable: true },
    });
    return copy;
  }
}

/** Malformed, unknown, oversize or wrong-version input from the network. */
export class ProtocolError extends RingtrainError {}
/** Missing or wrong credentials. */
export class AuthError extends RingtrainError {}
/** A connection problem: refused, closed, failed. */
export class TransportError extends RingtrainError {}
/** A network wait that ran past its deadline. */
export class TimeoutError extends RingtrainError {
  constructor(detail: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(ErrorCodes.TIMEOUT, detail, context, options);
  }
}
/** The caller's AbortSignal fired. */
export class AbortedError extends RingtrainError {
  constructor(detail: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(ErrorCodes.ABORTED, detail, context, options);
  }
}
/** A collective was called in a way that cannot work. */
export class CollectiveError extends RingtrainError {}
/** A value that must be finite is NaN or infinite (a diverging run), with where it was found. */
export class NonFiniteError extends RingtrainError {
  constructor(detail: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(ErrorCodes.NONFINITE, detail, context, options);
  }
}
/** An invalid option, argument or configuration value: apps print the message and exit with code 2. */
export class InvalidArgumentError extends RingtrainError {
  constructor(detail: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(ErrorCodes.INVALID_ARGUMENT, detail, context, options);
  }
}

export function isRingtrainError(err: unknown): err is RingtrainError {
  return err instanceof RingtrainError;
}

/** A checkpoint that cannot be written, read or used (E_CHECKPOINT), naming the file in `subject`. */
export class CheckpointError extends RingtrainError {
  constructor(detail: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(ErrorCodes.CHECKPOINT, detail, context, options);
  }
}
/**
 * The run as a whole cannot go on: a worker was refused (E_CONFIG_MISMATCH, E_DUPLICATE_RANK), failed or
 * left (E_WORKER_FAILED), or the replicas diverged (E_DIVERGED).
 */
export class RunError extends RingtrainError {}
