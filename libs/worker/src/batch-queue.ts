// Items that leave in batches: push() queues, and the queue is written out when it holds `maxItems`, when the
// oldest item has waited `maxDelayMs`, or when flush() is called. The control client queues its step reports here:
// sent one by one, each report cost a worker 0.6-0.8 ms of every step (a socket write that wakes the coordinator;
// measured on the mlp's ~12 ms steps), and nothing about a report is urgent.

export interface BatchQueueOptions {
  /** Longest an item waits before its batch is written, in ms. */
  maxDelayMs: number;
  /** A batch is written as soon as it holds this many items (>= 1). */
  maxItems: number;
}

export class BatchQueue<T> {
  private items: T[] = [];
  private timer: NodeJS.Timeout | undefined;

  /** `write` gets every batch, in order; it owns the array it is given. */
  constructor(
    private readonly write: (items: T[]) => void,
    private readonly opts: BatchQueueOptions,
  ) {}

  /** Items queued and not yet written. */
  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    this.items.push(item);
    if (this.items.length >= this.opts.maxItems) this.flush();
    // Unref'd: a queued report must not keep a finished worker alive; whoever ends the process flushes first.
    else this.timer ??= setTimeout(() => this.flush(), this.opts.maxDelayMs).unref();
  }

  /** Writes what is queued now (nothing if the queue is empty). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.write(items);
  }
}
