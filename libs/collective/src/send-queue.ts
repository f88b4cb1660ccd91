// Hands a collective's sends to the transport one at a time, in order. Given all at once, they would
// wait in the socket's write queue and leave as one batch whose completions all come at its end: every
// region sent in the batch stays busy - its next received bytes held back and copied - until the last
// byte of the batch has left. One at a time, each send completes on its own, and the kernel's socket
// buffer (megabytes) still has the next bytes queued. The first send of an idle queue starts at once,
// synchronously, so a collective started from inside a long computation reaches the socket during it.

export class SendQueue {
  private readonly waiting: Array<() => void> = [];
  private running = false;

  constructor(
    /** True once the collective is over: sends still waiting are dropped (they resolve without sending). */
    private readonly cancelled: () => boolean,
  ) {}

  /** Runs `send` after every earlier one has settled; settles as it does. */
  push(send: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const start = (): void => {
        this.running = true;
        if (this.cancelled()) {
          resolve();
          return this.next();
        }
        send().then(resolve, reject).finally(() => this.next());
      };
      if (this.running) this.waiting.push(start);
      else start();
    });
  }

  private next(): void {
    this.running = false;
    this.waiting.shift()?.();
  }
}
