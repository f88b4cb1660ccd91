// The consistency check: hashes of one step (periodic, from reports) or of the end (from done) must agree.

import { PROTOCOL_VERSION, type DoneMessage } from '@ringtrain/protocol';
import { describe, expect, it } from 'vitest';
import { describeDivergence } from './divergence.js';
import { isHashStep } from './progress.js';
import { CONN_OF_RANK, drive, finishOf, message, report, sends, STARTED_AT, step0Events, trainingRun } from './test-support.js';

const T = STARTED_AT + 3000;
const H1 = '1a2b3c4d'.repeat(8);
const H2 = '9f8e7d6c'.repeat(8);
const H3 = '00ff00ff'.repeat(8);

describe('describeDivergence', () => {
  it('is null when every rank holds the same hash', () => {
    expect(describeDivergence([H1, H1, H1])).toBeNull();
  });

  it('groups the ranks per hash, in order of their lowest rank', () => {
    expect(describeDivergence([H1, H2, H1])).toBe('ranks 0,2 hold 1a2b3c4d…, rank 1 holds 9f8e7d6c…');
    expect(describeDivergence([H3, H1, H2, H1])).toBe('rank 0 holds 00ff00ff…, ranks 1,3 hold 1a2b3c4d…, rank 2 holds 9f8e7d6c…');
  });
});

describe('isHashStep', () => {
  it('asks for a hash after every hashEvery-th step, never when hashEvery is 0', () => {
    expect([0, 1, 2, 3, 4, 5].filter((s) => isHashStep(s, 3))).toEqual([2, 5]);
    expect([0, 1, 2, 3].filter((s) => isHashStep(s, 1))).toEqual([0, 1, 2, 3]);
    expect([0, 1, 2, 3].filter((s) => isHashStep(s, 0))).toEqual([]);
  });
});

function step1(hashes: readonly (string | undefined)[]) {
  return hashes.map((paramHash, rank) =>
    message(CONN_OF_RANK[rank]!, report(rank, 1, { loss: 1, computeMs: 100, commMs: 25, ...(paramHash === undefined ? {} : { paramHash }) }), T + 1),
  );
}

describe('periodic hash check', () => {
  const committed = drive(trainingRun(), step0Events(T)).state;

  it('fails the run with E_DIVERGED naming the ranks per hash, without committing the step', () => {
    const { commands } = drive(committed, step1([H1, H2, H1]));
    expect(finishOf(commands)).toMatchObject({
      ok: false,
      exitCode: 1,
      error: { code: 'E_DIVERGED', message: 'parameter hashes differ after step 1: ranks 0,2 hold 1a2b3c4d…, rank 1 holds 9f8e7d6c…' },
      summary: { steps: 1, final_train_loss: 2.5, status: 'failed' },
    });
    const shutdown = { type: 'shutdown', v: PROTOCOL_VERSION, reason: 'parameter hashes differ after step 1: ranks 0,2 hold 1a2b3c4d…, rank 1 holds 9f8e7d6c…', exitCode: 1 };
    expect(sends(commands)).toEqual(CONN_OF_RANK.map((conn) => ({ type: 'send', conn, message: shutdown })));
    expect(commands.filter((command) => command.type === 'metrics')).toEqual([]);
  });

  it('fails the run when a rank leaves out the hash a hash step asks for', () => {
    const { commands } = drive(committed, step1([H1, undefined, H1]));
    expect(finishOf(commands).error).toEqual({
      code: 'E_WORKER_FAILED',
      message: 'rank 1 sent no parameter hash for step 1 (rank 1 (node-a, pid 1002)); the run checks one after every 2 steps',
    });
  });

  it('commits a step that is no hash step without hashes', () => {
    const { commands } = drive(trainingRun({ hashEvery: 0 }), [...step0Events(T), ...step1([undefined, undefined, undefined])]);
    expect(commands.filter((command) => command.type === 'finish')).toEqual([]);
    expect(sends(commands).map((command) => command.message)).toContainEqual({ type: 'commit', v: PROTOCOL_VERSION, generation: 0, step: 1 });
  });
});

describe('final hash check', () => {
  const done = (rank: number, paramHash: string): DoneMessage => ({
    type: 'done', v: PROTOCOL_VERSION, rank, generation: 0, steps: 1, paramHash, computeMs: 100, commMs: 20, trainMs: 150,
  });

  it('fails the run with E_DIVERGED when the done hashes differ, keeping each rank\'s hash in the summary', () => {
    const { commands } = drive(trainingRun(), [
      ...step0Events(T),
      message(13, done(0, H3), T + 1),
      message(12, done(1, H1), T + 2),
      message(11, done(2, H1), T + 3),
    ]);
    const result = finishOf(commands);
    expect(result).toMatchObject({
      ok: false,
      exitCode: 1,
      error: { code: 'E_DIVERGED', message: 'final parameter hashes differ: rank 0 holds 00ff00ff…, ranks 1,2 hold 1a2b3c4d…' },
    });
    expect(result.summary.param_hashes).toEqual([H3, H1, H1]);
    const shutdowns = sends(commands).filter((command) => command.message.type === 'shutdown');
    expect(shutdowns).toEqual(CONN_OF_RANK.map((conn) => expect.objectContaining({ conn, message: expect.objectContaining({ exitCode: 1 }) })));
  });
});
