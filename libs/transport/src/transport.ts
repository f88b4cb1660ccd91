// The one interface every collective is written against. A Transport moves opaque byte payloads
// between the ranks of one generation of a ring; it knows nothing of floats, reductions or training.
// Implementations: MemoryTransport (this package, for tests and single-process simulation) and
// WebSocketTransport (@ringtrain/transport-ws). Both pass the same compliance suite (./testing).

import type { WaitOptions } from '@ringtrain/common';

/**
 * Identifies one message within a generation. The collective chooses all four fields; a receive
 * matches on all of them, so messages of concurrent collectives (different buckets) never mix.
 * Every field is an unsigned 32-bit integer (phase: 0..255).
 */
export interface MessageTag {
  /** Training step (or any caller-chosen operation counter). */
  step: number;
  /** Gradient bucket, so buckets can be reduced concurrently. */
  bucket: number;
  /** Which collective phase this is (see Phase in @ringtrain/collective). */
  phase: number;
  /** Position of the message within the phase (pipeline stage x segments + segment). */
  chunk: number;
}

export interface Transport {
  /** This process's rank, 0 <= rank < worldSize. */
  readonly rank: number;
  readonly worldSize: number;

  /**
   * Sends `payload` to `peer`. Messages to the same peer arrive in the order they were sent.
   * Resolves once `payload` may be reused by the caller (it has been copied or handed to the OS);
   * until then the caller must not modify it. Rejects with TransportError (E_PEER_CLOSED, E_CONNECT,
   * E_CLOSED), TimeoutError or AbortedError.
   */
  send(peer: number, tag: MessageTag, payload: Uint8Array, opts?: WaitOptions): Promise<void>;

  /**
   * Receives the next message from `peer` carrying exactly `tag`; messages with other tags stay queued
   * for their own receives. The returned bytes belong to the caller. A message already queued is
   * delivered even if the peer has since closed. Rejects with TransportError (E_PEER_CLOSED when the
   * peer is gone and nothing is queued), TimeoutError or AbortedError; a timed-out or aborted receive
   * consumes nothing.
   */
  recv(peer: number, tag: MessageTag, opts?: WaitOptions): Promise<Uint8Array>;

  /**
   * Like recv(), but hands the payload to `sink` as it arrives instead of returning a buffer, so a
   * collective can reduce straight from the transport's read buffer (no allocation, no extra copy).
   * A message whose length differs from `sink.byteLength` fails the receive with E_COLLECTIVE_MISUSE.
   * If the receive fails after streaming began, the sink may have seen part of the payload, and the
   * transport may go on feeding it the rest of that message (the caller cuts it off, see gatedSink in
   * @ringtrain/collective) until the message ends or the transport is closed.
   */
  recvInto(peer: number, tag: MessageTag, sink: PayloadSink, opts?: WaitOptions): Promise<void>;

  /** Closes every link after the data already sent has left. Pending receives reject with E_CLOSED. Idempotent. */
  close(): Promise<void>;
}

/** Where recvInto() puts a payload. */
export interface PayloadSink {
  /** The exact payload length this receive expects. */
  readonly byteLength: number;
  /**
   * Called with consecutive pieces of the payload, in order, together covering byteLength bytes. A piece
   * is only valid during the call (it may be the transport's reused read buffer) and may start at any byte
   * offset: copy or consume it before returning.
   */
  write(piece: Uint8Array): void;
  /**
   * Optional zero-copy receive, for transports that read from a socket: a region of at most `max` bytes
   * (max >= 1, never more than the payload still missing) where the next payload bytes may be placed
   * directly, or undefined to get them through write() this time. The transport fills a prefix of the
   * region and reports its length with commit(n) before asking again; write() and reserve()/commit()
   * may alternate within one payload. A region may be written until its commit(), so a sink whose
   * receive failed must not hand that memory to anyone else while a reservation is open.
   */
  reserve?(max: number): Uint8Array | undefined;
  /** `n` bytes (0 < n <= the region's length) were placed at the start of the region reserve() returned. */
  commit?(n: number): void;
}

export function formatTag(tag: MessageTag): string {
  return `step ${tag.step} bucket ${tag.bucket} phase ${tag.phase} chunk ${tag.chunk}`;
}
