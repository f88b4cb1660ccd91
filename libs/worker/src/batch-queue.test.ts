import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchQueue } from './batch-queue.js';

describe('BatchQueue', () => {
  let batches: number[][];
  let queue: BatchQueue<number>;
  beforeEach(() => {
    vi.useFakeTimers();
    batches = [];
    queue = new BatchQueue<number>((items) => batches.push(items), { maxDelayMs: 50, maxItems: 3 });
  });
  afterEach(() => vi.useRealTimers());

  it('holds items until the first of them has waited maxDelayMs, then writes them as one batch', () => {
    queue.push(1);
    vi.advanceTimersByTime(30);
    queue.push(2); // the deadline is the first item's: 50 ms after it, not after this one
    vi.advanceTimersByTime(19);
    expect(batches).toEqual([]);
    expect(queue.size).toBe(2);
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([[1, 2]]);
    expect(queue.size).toBe(0);
  });

  it('writes as soon as maxItems are queued, and the next item starts a new wait', () => {
    queue.push(1);
    queue.push(2);
    queue.push(3);
    expect(batches).toEqual([[1, 2, 3]]);
    queue.push(4);
    vi.advanceTimersByTime(49);
    expect(batches).toEqual([[1, 2, 3]]);
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('flush() writes what is queued at once, cancels the pending timer, and writes nothing when empty', () => {
    queue.push(1);
    queue.flush();
    expect(batches).toEqual([[1]]);
    vi.advanceTimersByTime(100);
    queue.flush();
    expect(batches).toEqual([[1]]);
  });

  it('does not keep the process alive for a queued item (its timer is unref\'d)', () => {
    vi.useRealTimers();
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const real = new BatchQueue<number>(() => undefined, { maxDelayMs: 60_000, maxItems: 10 });
      real.push(1);
      expect(spy).toHaveBeenCalledTimes(1);
      expect((spy.mock.results[0]!.value as NodeJS.Timeout).hasRef()).toBe(false);
      real.flush();
    } finally {
      spy.mockRestore();
    }
  });
});
