// tfjs compute on the wasm and cpu backends is synchronous: while a forward or backward pass runs, no timer fires
// and no socket is read. Long loops of them yield between passes, so heartbeats go out and the coordinator's
// messages (a shutdown) are seen.

/** Resolves after the event loop has run its pending I/O and timers once. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
