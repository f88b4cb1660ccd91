// Report messages that carry several steps of their rank (workers gather fast steps into one message). The
// 3-worker run of test-support: conns 13, 12, 11 are ranks 0, 1, 2; hashEvery 2, so step 1 is a hash step.

import { ErrorCodes } from '@ringtrain/common';
import { PROTOCOL_VERSION, type ReportMessage } from '@ringtrain/protocol';
import { describe, expect, it } from 'vitest';
import { CONN_OF_RANK, drive, finishOf, message, sends, sentTo, STARTED_AT, stepReport, trainingRun } from './test-support.js';

const T = STARTED_AT + 2000;
const HASH = 'a'.repeat(64);
const OTHER_HASH = 'b'.repeat(64);

/** Rank `rank`'s report of `steps` (losses 1, 2, 3, ... in that order; step 1 with `hash1`). */
function reportOf(rank: number, steps: readonly number[], hash1 = HASH): ReportMessage {
  const entries = steps.map((step, i) => stepReport(step, { loss: i + 1, computeMs: 10, commMs: 2, ...(step === 1 ? { paramHash: hash1 } : {}) }));
  return { type: 'report', v: PROTOCOL_VERSION, rank, generation: 0, steps: entries };
}

const commit = (step: number) => ({ type: 'commit', v: PROTOCOL_VERSION, generation: 0, step });

describe('a report of several steps', () => {
  // Ranks 1 and 2 report steps 0-2 one message each; rank 0's one message then completes all three steps.
  const others = drive(trainingRun(), [message(12, reportOf(1, [0, 1, 2]), T), message(11, reportOf(2, [0, 1, 2]), T + 1)]);
  const last = drive(others.state, [message(13, reportOf(0, [0, 1, 2]), T + 2)]);

  it('commits nothing before the last rank reported', () => {
    expect(others.commands).toEqual([]);
    expect(others.state.progress.pending.map((pending) => pending.step)).toEqual([0, 1, 2]);
  });

  it('records every step it completes, in order, and sends each member only the newest commit', () => {
    // Each step's loss is the mean of the ranks' losses, 1, 2, 3 on every rank.
    const records = last.commands.filter((command) => command.type === 'metrics').map((command) => command.type === 'metrics' && command.record);
    expect(records.map((record) => record && [record.step, 'loss' in record && record.loss])).toEqual([[0, 1], [1, 2], [2, 3]]);
    for (const conn of CONN_OF_RANK) expect(sentTo(last.commands, conn)).toEqual([commit(2)]);
    expect(last.state.progress.pending).toEqual([]);
    expect(last.state.progress.lastCommitted).toEqual({ step: 2, meanLoss: 3 });
  });

  it('matches steps one at a time across ranks that gathered them differently', () => {
    // Rank 0 sends steps 0 and 1 separately, ranks 1 and 2 together: the same records and commits of step 1.
    const { commands, state } = drive(trainingRun(), [
      message(12, reportOf(1, [0, 1]), T),
      message(11, reportOf(2, [0, 1]), T + 1),
      message(13, reportOf(0, [0]), T + 2),
      message(13, { ...reportOf(0, [0, 1]), steps: reportOf(0, [0, 1]).steps.slice(1) }, T + 3),
    ]);
    expect(commands.filter((command) => command.type === 'metrics').map((command) => command.type === 'metrics' && command.record.step)).toEqual([0, 1]);
    expect(sends(commands).map((command) => command.message)).toEqual([...CONN_OF_RANK.map(() => commit(0)), ...CONN_OF_RANK.map(() => commit(1))]);
    expect(state.progress.lastCommitted?.step).toBe(1);
  });

  it('rejects steps that do not increase within a message, and takes none after the bad one', () => {
    const { commands, state } = drive(trainingRun(), [message(13, reportOf(0, [0, 2, 1, 3]), T)]);
    expect(sentTo(commands, 13)[0]).toEqual({ type: 'error', v: PROTOCOL_VERSION, code: ErrorCodes.PROTOCOL, message: 'report of step 1 after one of step 2' });
    expect(finishOf(commands).error?.code).toBe(ErrorCodes.WORKER_FAILED);
    expect(state.workers[0]!.lastReportedStep).toBe(2);
  });

  it('in an elastic run, stops at a rejected step: the ring re-forms without the sender and takes none of its later steps', () => {
    const { commands, state } = drive(trainingRun({ minWorkers: 2 }), [message(12, reportOf(1, [0, 2, 1, 3]), T)]);
    expect(state.generation).toBe(1);
    expect(state.workers.map((worker) => worker.conn)).toEqual([13, 11]);
    expect(state.progress.pending).toEqual([]);
    expect(sentTo(commands, 13).at(-1)).toMatchObject({ type: 'reform', newGeneration: 1 });
  });

  it('stops at a step whose hashes differ: no step after it is recorded or committed', () => {
    const before = drive(trainingRun(), [message(12, reportOf(1, [0, 1, 2]), T), message(11, reportOf(2, [0, 1, 2]), T + 1)]);
    const { commands } = drive(before.state, [message(13, reportOf(0, [0, 1, 2], OTHER_HASH), T + 2)]);
    expect(finishOf(commands).error?.code).toBe(ErrorCodes.DIVERGED);
    expect(commands.filter((command) => command.type === 'metrics').map((command) => command.type === 'metrics' && command.record.step)).toEqual([0]);
    expect(sends(commands).filter((command) => command.message.type === 'commit').map((command) => command.message)).toEqual(CONN_OF_RANK.map(() => commit(0)));
  });
});
