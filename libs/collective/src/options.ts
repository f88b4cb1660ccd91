import { CollectiveError, ErrorCodes, type WaitOptions } from '@ringtrain/common';
import type { Transport } from '@ringtrain/transport';
import type { WireDtype } from './wire-format.js';

/** Message-tag fields the caller owns. Concurrent collectives on one transport need distinct tags. */
export interface OpTag {
  step: number;
  bucket: number;
}

export interface CollectiveOptions {
  /**
   * Identifies this operation's messages. Sequential collectives may share a tag (messages match in order);
   * collectives running at the same time (e.g. one per gradient bucket) must differ. Default {step 0, bucket 0}.
   */
  tag?: OpTag;
  /** Cancels the operation; pending waits reject with AbortedError. */
  signal?: AbortSignal;
  /** Bound on each wait for a peer's message, in ms. Default 60,000. */
  timeoutMs?: number;
  /**
   * Payload bytes per message. Smaller segments overlap sending with reducing sooner; larger ones cost
   * fewer messages (each costs a header read and a round of bookkeeping). Default 4 MiB, the fastest of
   * 1, 2 and 4 MiB in the README's all-reduce benchmark.
   */
  segmentBytes?: number;
  /** Float format on the wire. float16 halves the bytes; partial sums are rounded at every hop. Default float32. */
  wireDtype?: WireDtype;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_SEGMENT_BYTES = 4 << 20;

export interface ResolvedOptions {
  tag: OpTag;
  wait: WaitOptions;
  segmentBytes: number;
  wireDtype: WireDtype;
}

export function resolveOptions(t: Transport, what: string, opts: CollectiveOptions): ResolvedOptions {
  const segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  if (!Number.isInteger(segmentBytes) || segmentBytes < 4) {
    throw new CollectiveError(ErrorCodes.COLLECTIVE_MISUSE, `${what}: segmentBytes must be an integer >= 4, got ${segmentBytes}`, { rank: t.rank });
  }
  const wireDtype = opts.wireDtype ?? 'float32';
  if (wireDtype !== 'float32' && wireDtype !== 'float16') {
    throw new CollectiveError(ErrorCodes.COLLECTIVE_MISUSE, `${what}: wireDtype must be float32 or float16, got ${String(wireDtype)}`, { rank: t.rank });
  }
  return {
    tag: opts.tag ?? { step: 0, bucket: 0 },
    wait: { signal: opts.signal, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS },
    segmentBytes,
    wireDtype,
  };
}

export function requireFloat32(t: Transport, what: string, data: unknown, name = 'data'): asserts data is Float32Array {
  if (!(data instanceof Float32Array)) {
    throw new CollectiveError(ErrorCodes.COLLECTIVE_MISUSE, `${what}: ${name} must be a Float32Array, got ${Object.prototype.toString.call(data)}`, { rank: t.rank });
  }
}
