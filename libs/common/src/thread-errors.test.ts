import { describe, expect, it } from 'vitest';
import { AbortedError, ErrorCodes, RingtrainError, RunError, TimeoutError, TransportError } from './errors.js';
import { reviveError, serializeError } from './thread-errors.js';

/** What the other thread gets: the serialized form through postMessage's structured clone. */
const acrossThreads = (err: unknown) => reviveError(structuredClone(serializeError(err)));

describe('errors across threads', () => {
  it('keeps the class, code, detail and context of every RingtrainError', () => {
    const cases = [
      new TransportError(ErrorCodes.PEER_CLOSED, 'peer 1 closed the link', { rank: 0, peer: 1, generation: 2 }),
      new TimeoutError('no data from peer 3 within 500 ms', { rank: 2, peer: 3, step: 7, phase: 'reduce-scatter 1/3' }),
      new AbortedError('the ring re-forms'),
    ];
    for (const original of cases) {
      const revived = acrossThreads(original);
      expect(revived).toBeInstanceOf(original.constructor);
      expect(revived).toBeInstanceOf(RingtrainError);
      expect(revived.name).toBe(original.name);
      expect(revived.code).toBe(original.code);
      expect(revived.detail).toBe(original.detail);
      expect(revived.context).toEqual(original.context);
      expect(revived.message).toBe(original.message);
    }
  });

  it('turns anything else into a RunError (E_WORKER_FAILED) that names it', () => {
    const revived = acrossThreads(new TypeError('x is not a function'));
    expect(revived).toBeInstanceOf(RunError);
    expect(revived.code).toBe('E_WORKER_FAILED');
    // The message, then where it happened: this test's frame among the first of the stack.
    expect(revived.detail).toMatch(/^TypeError: x is not a function\n {2}at .*thread-errors\.test\.ts/);
    expect(acrossThreads('plain string').detail).toBe('plain string');
  });

  it('revives a class it does not know as a RingtrainError with the code kept', () => {
    const revived = reviveError({ name: 'FutureError', code: ErrorCodes.PROTOCOL, detail: 'bad frame', context: { peer: 1 } });
    expect(revived.constructor).toBe(RingtrainError);
    expect(revived.message).toBe('E_PROTOCOL: bad frame [peer 1]');
  });
});
