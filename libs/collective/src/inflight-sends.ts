import { setMaxListeners } from 'node:events';
import { AbortedError } from '@ringtrain/common';

// Sends run ahead of the receives that feed them; this keeps their promises so that (a) a failed
// send surfaces as the collective's error, never as an unhandled rejection, (b) a segment is not
// overwritten while an earlier send of it may still read it (the Transport contract), and (c) the
// collective returns only when every byte it sent has left, and (d) the first failed send cancels the
// collective's pending receives at once (through `signal`) instead of letting them wait out a timeout.

/**
 * The abort reason of release(): one object for every collective, because abort() without a reason builds a
 * DOMException with a stack trace (measured at about 0.1 ms, once per collective call).
 */
const RELEASED = new AbortedError('the collective has finished', {});

export class InflightSends {
  private readonly all: Promise<void>[] = [];
  private readonly latest = new Map<number, Promise<void>>();
  /** Regions with a send that has not settled yet. */
  private readonly busy = new Set<number>();
  private readonly failed = new AbortController();
  /** Aborts when the caller's signal does or any tracked send fails: pass it to the receives. */
  readonly signal: AbortSignal;
  /** The first send failure, if any: the real cause behind an aborted receive. */
  failure: unknown;
  private readonly unlink: () => void;

  /**
   * `outer`, the caller's signal, is linked by a listener that release() removes (not AbortSignal.any, whose
   * dependent signals stay referenced by a long-lived outer signal on Node 20: one per collective call).
   */
  constructor(outer?: AbortSignal) {
    this.signal = this.failed.signal;
    // Every posted receive listens on it (one per segment in flight): many listeners are expected.
    setMaxListeners(0, this.signal);
    const onOuterAbort = (): void => this.failed.abort(outer!.reason);
    if (outer?.aborted) onOuterAbort();
    else outer?.addEventListener('abort', onOuterAbort, { once: true });
    this.unlink = () => outer?.removeEventListener('abort', onOuterAbort);
  }

  /**
   * Call once the collective is over, whatever its outcome: unlinks the caller's signal and cancels every
   * receive still posted (after a failure they would otherwise wait out their timeouts and could still write
   * into the caller's buffer after the collective threw; after a success none is left).
   */
  release(): void {
    this.unlink();
    this.failed.abort(RELEASED);
  }

  /** Tracks a send that reads the region identified by `key`. */
  add(key: number, send: Promise<void>): void {
    send.catch((err: unknown) => {
      this.failure ??= err;
      this.failed.abort(err);
    });
    this.all.push(send);
    this.latest.set(key, send);
    this.busy.add(key);
    const settle = (): void => {
      if (this.latest.get(key) === send) this.busy.delete(key);
    };
    send.then(settle, settle);
  }

  /** True while a send may still read region `key` (synchronous, for receive sinks). */
  isBusy(key: number): boolean {
    return this.busy.has(key);
  }

  /** Resolves when the last send reading region `key` has released it (rejects if it failed). */
  async released(key: number): Promise<void> {
    await this.latest.get(key);
  }

  /** Resolves when every send has completed; rejects with the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.all);
  }
}
