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
    const q = new SendQueue(() => false);
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

  it('drops sends still waiting once cancelled: they resolve without starting', async () => {
    const log: string[] = [];
    let cancelled = false;
    const q = new SendQueue(() => cancelled);
    const a = controlledSend(log, 'a');
    const b = controlledSend(log, 'b');
    const first = q.push(a.send);
    const second = q.push(b.send);
    cancelled = true;
    a.finish();
    await first;
    await second;
    expect(log).toEqual(['start a']);
    // An idle, cancelled queue starts nothing either.
    await q.push(controlledSend(log, 'c').send);
    expect(log).toEqual(['start a']);
  });
});
