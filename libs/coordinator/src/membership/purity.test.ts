// step is pure: it leaves its input state as it was and returns the same answer for the same input, so
// the server may keep old states (for logs, replays, a later reform) without copying them.

import { PROTOCOL_VERSION } from '@ringtrain/protocol';
import { describe, expect, it } from 'vitest';
import type { CoordinatorEvent } from './events.js';
import { initialState, type CoordinatorState } from './state.js';
import { step } from './step.js';
import { arrivals, CONN_OF_RANK, makeOptions, message, report, STARTED_AT, step0Events, WORKERS } from './test-support.js';

const T = STARTED_AT + 3000;

// Rendezvous with a leaver and a bad connection, two steps (one with hashes), an evaluation, done, finish.
const script: CoordinatorEvent[] = [
  ...arrivals(WORKERS.slice(0, 1)),
  { type: 'connected', conn: 40, remote: '10.0.0.8:1', now: T },
  { type: 'invalidMessage', conn: 40, code: 'E_PROTOCOL', detail: 'not msgpack', now: T },
  { type: 'disconnected', conn: 40, reason: 'closed', now: T },
  { type: 'disconnected', conn: 11, reason: 'restarted', now: T },
  ...arrivals(WORKERS, T + 1),
  { type: 'tick', now: T + 100 },
  ...step0Events(T + 200),
  ...[0, 1, 2].map((rank) => message(CONN_OF_RANK[rank]!, report(rank, 1, { loss: 1, computeMs: 1, commMs: 1, paramHash: 'a'.repeat(64) }), T + 300)),
  message(13, { type: 'evaluation', v: PROTOCOL_VERSION, rank: 0, result: { step: 2, epoch: 1, testLoss: 0.5, testAccuracy: 0.5, count: 10 } }, T + 400),
  ...[0, 1, 2].map((rank) =>
    message(CONN_OF_RANK[rank]!, { type: 'done', v: PROTOCOL_VERSION, rank, generation: 0, steps: 2, paramHash: 'b'.repeat(64), computeMs: 1, commMs: 1, trainMs: 2 }, T + 500),
  ),
];

describe('step', () => {
  it('leaves the input state deep-equal to what it was, at every event of a whole run', () => {
    let state: CoordinatorState = initialState(makeOptions());
    for (const event of script) {
      const before = structuredClone(state);
      const next = step(state, event);
      expect(state).toEqual(before);
      state = next.state;
    }
    expect(state.phase).toBe('finished');
    expect(state.result?.ok).toBe(true);
  });

  it('answers the same input with the same transition', () => {
    let state: CoordinatorState = initialState(makeOptions());
    for (const event of script) {
      const first = step(state, event);
      expect(step(state, event)).toEqual(first);
      state = first.state;
    }
  });
});
