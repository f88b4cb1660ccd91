import { describe, expect, it } from 'vitest';
import { SendQueue } from './send-queue.js';

/** A send that completes when the test says so, recording when it started. */
function controlledSend(log: string[], name: string) {
  let finish!: (err?: Error) => void;
  const send = () => {
    log.push(`start ${name}`);
    return new Promise<void>((resolve, reject) => (finish = (err) => (err ? reject(err) : resolve())));
  };
  return { send, finish: (err?: Error) => finish(err) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('SendQueue', () => {
  it('starts the first send synchronously and each later one only after the one before settled, in order', async () => {
    const log: string[] = [];
    const q = new SendQueue(new AbortController().signal);
    const [a, b, c] = ['a', 'b', 'c'].map((n) => controlledSend(log, n));
    const done = [q.push(a!.send), q.push(b!.send), q.push(c!.send)];
    expect(log).toEqual(['start a']); // synchronously, before any await
    await tick();
    expect(log).toEqual(['start a']);
    a!.finish();
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    b!.finish(new Error('link lost'));
    await expect(done[1]).rejects.toThrow('link lost');
    await tick();
    expect(log).toEqual(['start a', 'start b', 'start c']); // a failure does not stall the queue
    c!.finish();
    await expect(Promise.all([done[0], done[2]])).resolves.toBeDefined();
  });

  it('fails sends still waiting once the signal aborted, without starting them, and starts nothing after', async () => {
    const log: string[] = [];
    const ended = new AbortController();
    const q = new SendQueue(ended.signal);
    const a = controlledSend(log, 'a');
    const b = controlledSend(log, 'b');
    const first = q.push(a.send);
    const second = q.push(b.send);
    ended.abort();
    a.finish();
    await first; // already running: it completes as the transport says
    await expect(second).rejects.toMatchObject({ code: 'E_ABORTED' });
    await expect(q.push(controlledSend(log, 'c').send)).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(log).toEqual(['start a']);
  });

  it('keeps going after a send that throws instead of returning a promise', async () => {
    const q = new SendQueue(new AbortController().signal);
    const failed = q.push(() => {
      throw new Error('bad arguments');
    });
    const after = q.push(() => Promise.resolve());
    await expect(failed).rejects.toThrow('bad arguments');
    await expect(after).resolves.toBeUndefined();
  });
});
