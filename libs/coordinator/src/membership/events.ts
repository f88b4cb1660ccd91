// What happens to the coordinator, as the server reports it to the state machine. Every event carries the
// time it happened (`now`, ms since the Unix epoch): the state machine never reads a clock.

import type { ErrorCode } from '@ringtrain/common';
import type { Message } from '@ringtrain/protocol';

/** A worker opened a control connection (already authenticated by the server at the WebSocket upgrade). */
export interface ConnectedEvent {
  readonly type: 'connected';
  /** The server's id of the connection, unique for the coordinator's lifetime. */
  readonly conn: number;
  /** The peer's address (`host:port`), for logs. */
  readonly remote: string;
  readonly now: number;
}

/** A connection delivered a message that decoded and validated. Any type can arrive, also ones a worker must not send. */
export interface MessageEvent {
  readonly type: 'message';
  readonly conn: number;
  readonly message: Message;
  readonly now: number;
}

/** A connection delivered bytes that did not decode or validate. */
export interface InvalidMessageEvent {
  readonly type: 'invalidMessage';
  readonly conn: number;
  /** Why decoding failed: E_PROTOCOL, E_UNKNOWN_MESSAGE, E_VERSION or E_OVERSIZE. */
  readonly code: ErrorCode;
  /** What was wrong, for the peer and the log. */
  readonly detail: string;
  readonly now: number;
}

/** A connection closed, by either side. */
export interface DisconnectedEvent {
  readonly type: 'disconnected';
  readonly conn: number;
  /** Close code and reason or socket error, for messages. */
  readonly reason: string;
  readonly now: number;
}

/** Periodic wake-up: rendezvous deadline and heartbeat timeouts are checked on it. */
export interface TickEvent {
  readonly type: 'tick';
  readonly now: number;
}

/** The coordinator process received a termination signal. */
export interface InterruptEvent {
  readonly type: 'interrupt';
  readonly signal: 'SIGINT' | 'SIGTERM';
  readonly now: number;
}

/**
 * Something outside the control connections ended the run: the launcher's own workers exited before they could
 * say why over the network (e.g. a dataset that cannot be read fails a worker before its hello).
 */
export interface LocalFailureEvent {
  readonly type: 'localFailure';
  /** Stable error code for summary.json. */
  readonly code: ErrorCode;
  readonly message: string;
  /** What the coordinator process exits with. */
  readonly exitCode: number;
  readonly now: number;
}

export type CoordinatorEvent = ConnectedEvent | MessageEvent | InvalidMessageEvent | DisconnectedEvent | TickEvent | InterruptEvent | LocalFailureEvent;
