// Every network wait in ringtrain is bounded: by a timeout, by the caller's AbortSignal, or both.
// `waitFor` turns a promise into one that rejects with TimeoutError or AbortedError, and runs a
// cleanup hook so the waiter can withdraw itself (e.g. remove a pending receive from a mailbox).

import { AbortedError, TimeoutError, type ErrorContext } from './errors.js';

export interface WaitOptions {
  /** Aborts the wait; the promise rejects with AbortedError. */
  signal?: AbortSignal | undefined;
  /** Milliseconds before the wait rejects with TimeoutError. Undefined or Infinity: no timeout. */
  timeoutMs?: number | undefined;
}

/**
 * Waits for `promise`, bounded by `opts`. `what` names the wait in error messages ("receive from peer 2").
 * `onCancel` runs once if the wait ends by timeout or abort, before the rejection is delivered.
 */
export function waitFor<T>(
  promise: Promise<T>,
  what: string,
  opts: WaitOptions,
  context: ErrorContext = {},
  onCancel?: (reason: Error) => void,
): Promise<T> {
  const { signal, timeoutMs } = opts;
  const bounded = timeoutMs !== undefined && Number.isFinite(timeoutMs);
  if (!bounded && !signal) return promise;
  if (signal?.aborted) {
    promise.catch(() => undefined); // nobody waits for it any more; its failure must not go unhandled
    const err = new AbortedError(`${what} aborted`, context, { cause: signal.reason });
    onCancel?.(err);
    return Promise.reject(err);
  }
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const cancel = (err: Error): void => {
      finish();
      onCancel?.(err);
      reject(err);
    };
    const onAbort = (): void => cancel(new AbortedError(`${what} aborted`, context, { cause: signal?.reason }));
    if (bounded) {
      timer = setTimeout(() => cancel(new TimeoutError(`${what} timed out after ${timeoutMs} ms`, context)), timeoutMs);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        finish();
        resolve(value);
      },
      (err: unknown) => {
        finish();
        reject(err);
      },
    );
  });
}
