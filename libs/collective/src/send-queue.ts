// Hands a collective's sends to the transport one at a time, in order. Given all at once, they would
// wait in the socket's write queue and leave as one batch whose completions all come at its end: every
// region sent in the batch stays busy - its next received bytes held back and copied - until the last
// byte of the batch has left. One at a time, each send completes on its own, and the kernel's socket
// buffer (megabytes) still has the next bytes queued. The first send of an idle queue starts at once,
// synchronously, so a collective started from inside a long computation reaches the socket during it.

import { AbortedError } from '@ringtrain/common';

export class SendQueue {
  private readonly waiting: Array<() => void> = [];
  private running = false;

  constructor(
    /** Aborts when the collective is over: sends still waiting then fail with AbortedError without starting. */
    private readonly signal: AbortSignal,
  ) {}

  /** Runs `send` after every earlier one has settled; settles as it does. */
  push(send: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const start = (): void => {
        this.running = true;
        let sent: Promise<void>;
        if (this.signal.aborted) {
          sent = Promise.reject(new AbortedError('send not started: the collective ended first', {}, { cause: this.signal.reason }));
        } else {
          try {
            sent = send();
          } catch (err) {
            sent = Promise.reject(err); // a send that throws must not stall the ones behind it
          }
        }
        sent.then(resolve, reject).finally(() => this.next());
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
