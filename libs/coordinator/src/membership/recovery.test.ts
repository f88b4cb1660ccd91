// A coordinator started again on the record of a running elastic run: it waits for the members to come back
// (they say where they stand), then re-forms the ring at the newest state all of them reached.
// Ranks: conn 13 = rank 0, 12 = rank 1, 11 = rank 2 (test-support.ts).

import { ErrorCodes } from '@ringtrain/common';
import { PROTOCOL_VERSION, type HelloMessage } from '@ringtrain/protocol';
import { describe, expect, it } from 'vitest';
import { persistedRun, recoveringState } from './recovery.js';
import { drive, finishOf, hello, makeOptions, message, report, sentTo, STARTED_AT, step0Events, trainingRun, WORKERS } from './test-support.js';

const T = STARTED_AT + 5_000;
/** The record a coordinator of a 3-worker elastic run kept after step 0 was committed. */
const RECORD = persistedRun(drive(trainingRun({ minWorkers: 2 }), step0Events(T)).state);
const RESTART = T + 60_000;
/** WORKERS[i] is rank 2 - i: the places of ranks 0, 1, 2, on new connections. */
const PLACE_OF_RANK = [WORKERS[2]!, WORKERS[1]!, WORKERS[0]!];

function rejoin(rank: number, fromSteps: number, toSteps: number, generation = 0): HelloMessage {
  return { ...hello(PLACE_OF_RANK[rank]!), rejoin: { generation, rank, fromSteps, toSteps } };
}

const restarted = () => recoveringState(makeOptions({ minWorkers: 2 }), RECORD, RESTART);

describe('a restarted coordinator', () => {
  it('keeps what the summary needs: the generation, the last commit, the totals, the start time', () => {
    expect(RECORD).toMatchObject({ version: 1, generation: 0, members: 3, lastCommitted: { step: 0, meanLoss: 2.5 }, startedAtMs: STARTED_AT });
    const state = restarted();
    expect(state).toMatchObject({ phase: 'recovering', generation: 0, recovery: { sinceMs: RESTART, members: 3 } });
    expect(state.options.startedAtMs).toBe(STARTED_AT);
  });

  it('re-forms in the old rank order at the newest state every member reached once all three are back', () => {
    const events = [
      { type: 'connected' as const, conn: 31, remote: 'a:1', now: RESTART + 1 },
      message(31, rejoin(2, 1, 9), RESTART + 1),
      { type: 'connected' as const, conn: 32, remote: 'a:2', now: RESTART + 2 },
      message(32, rejoin(0, 1, 10), RESTART + 2),
      // Heartbeats of members that came back are answered: they must not count the coordinator as silent.
      message(32, { type: 'heartbeat', v: PROTOCOL_VERSION, rank: 0, seq: 5, timeMs: RESTART }, RESTART + 3),
      // A report of the old generation, sent while it trains on: ignored.
      message(31, report(2, 9, { loss: 1, computeMs: 1, commMs: 1 }), RESTART + 3),
      { type: 'connected' as const, conn: 33, remote: 'a:3', now: RESTART + 4 },
      message(33, rejoin(1, 2, 10), RESTART + 4),
    ];
    const { state, commands } = drive(restarted(), events);
    expect(sentTo(commands, 32)[0]).toMatchObject({ type: 'heartbeat', seq: 5 });
    expect(state).toMatchObject({ phase: 'training', generation: 1, recovery: null });
    expect(state.workers.map((worker) => worker.conn)).toEqual([32, 33, 31]);
    // 9 is the newest step all three reached (rank 2 is at 9); every rank holds it (from 1 or 2 on).
    expect(sentTo(commands, 32).at(-1)).toMatchObject({ type: 'reform', newGeneration: 1, rank: 0, worldSize: 3, committedSteps: 9 });
    expect(sentTo(commands, 33).at(-1)).toMatchObject({ type: 'reform', rank: 1, committedSteps: 9 });
    expect(sentTo(commands, 31).at(-1)).toMatchObject({ type: 'reform', rank: 2, committedSteps: 9 });
  });

  it('refuses a member of another generation; at the rendezvous timeout goes on with enough members, or fails with too few', () => {
    const stale = drive(restarted(), [{ type: 'connected', conn: 31, remote: 'a:1', now: RESTART }, message(31, rejoin(0, 0, 3, 7), RESTART)]);
    expect(sentTo(stale.commands, 31)).toEqual([expect.objectContaining({ type: 'error', code: ErrorCodes.PROTOCOL, message: 'rank 0 of generation 7 is not awaited (generation 0)' })]);

    const two = drive(restarted(), [
      { type: 'connected', conn: 31, remote: 'a:1', now: RESTART },
      message(31, rejoin(0, 1, 4), RESTART),
      { type: 'connected', conn: 32, remote: 'a:2', now: RESTART },
      message(32, rejoin(2, 1, 5), RESTART),
      { type: 'tick', now: RESTART + 60_001 },
    ]);
    expect(two.state.generation).toBe(1);
    expect(sentTo(two.commands, 32).at(-1)).toMatchObject({ type: 'reform', rank: 1, worldSize: 2, committedSteps: 4 });

    const one = drive(restarted(), [{ type: 'connected', conn: 31, remote: 'a:1', now: RESTART }, message(31, rejoin(0, 1, 4), RESTART), { type: 'tick', now: RESTART + 60_001 }]);
    expect(finishOf(one.commands).error).toEqual({
      code: ErrorCodes.TIMEOUT,
      message: 'the coordinator restarted and 1 of 3 workers came back within 60000 ms, fewer than --min-workers 2',
    });
  });
});
