// Elastic membership (--min-workers, --max-workers, replacements): losing a member re-forms the ring from the
// survivors, a joiner enters at the next generation, and a run below --min-workers waits for joiners or fails.
// Ranks: conn 13 = rank 0, 12 = rank 1, 11 = rank 2 (test-support.ts).

import { ErrorCodes } from '@ringtrain/common';
import { PROTOCOL_VERSION, type DoneMessage, type EvaluationMessage, type ReformMessage, type WelcomeMessage } from '@ringtrain/protocol';
import { describe, expect, it } from 'vitest';
import {
  arrivals,
  CONN_OF_RANK,
  drive,
  finishOf,
  hello,
  message,
  report,
  sentTo,
  STARTED_AT,
  step0Events,
  trainingRun,
  WORKERS,
} from './test-support.js';

const T = STARTED_AT + 5_000;
/** The place of the worker that is rank 2 (conn 11), for a restarted copy of it. */
const RANK2 = WORKERS[0]!;

describe('a member lost from an elastic run', () => {
  it('with --min-workers 2, rank 1 closing re-forms generation 1 from ranks 0 and 2, rolled back to the last commit', () => {
    const run = trainingRun({ minWorkers: 2 });
    const { state, commands } = drive(run, [...step0Events(T), { type: 'disconnected', conn: 12, reason: 'code 1006', now: T + 10 }]);
    expect(state.phase).toBe('training');
    expect(state.generation).toBe(1);
    expect(state.workers.map((worker) => worker.conn)).toEqual([13, 11]);
    const ring = [
      { rank: 0, host: '10.0.0.1', port: 29600 },
      { rank: 1, host: '10.0.0.2', port: 29600 },
    ];
    // Step 0 was committed: both continue after 1 step; the former rank 2 is rank 1 now.
    expect(sentTo(commands, 13).at(-1)).toEqual<ReformMessage>({
      type: 'reform', v: PROTOCOL_VERSION, newGeneration: 1, reason: expect.stringContaining('rank 1 (node-a, pid 1002) disconnected at step 1: code 1006'), rank: 0, worldSize: 2, ring, committedSteps: 1,
    });
    expect(sentTo(commands, 11).at(-1)).toMatchObject({ type: 'reform', rank: 1, worldSize: 2, committedSteps: 1 });
    // Reports of generation 1 commit as a world of 2 (hashEvery 2: step 1 carries the hashes).
    const fields = { loss: 1, computeMs: 1, commMs: 1, paramHash: 'cd'.repeat(32) };
    const next = drive(state, [
      message(13, { ...report(0, 1, fields), generation: 1 }, T + 20),
      message(11, { ...report(1, 1, fields), generation: 1 }, T + 21),
    ]);
    expect(sentTo(next.commands, 13)).toEqual([{ type: 'commit', v: PROTOCOL_VERSION, generation: 1, step: 1 }]);
  });

  it('without a commit the reform carries no committedSteps: every rank goes back to where it started', () => {
    const { commands } = drive(trainingRun({ minWorkers: 2 }), [{ type: 'disconnected', conn: 11, reason: 'gone', now: T }]);
    const reform = sentTo(commands, 13).at(-1) as ReformMessage;
    expect(reform.type).toBe('reform');
    expect('committedSteps' in reform).toBe(false);
  });

  it('ignores what the survivors sent in the old generation: reports, their broken-ring errors, a done', () => {
    const lost = drive(trainingRun({ minWorkers: 2 }), [{ type: 'disconnected', conn: 12, reason: 'gone', now: T }]).state;
    const { state, commands } = drive(lost, [
      message(13, report(0, 0, { loss: 1, computeMs: 1, commMs: 1 }), T + 1),
      // Old rank 2 is rank 1 now: a stale message claims its old rank and is dropped, not rejected.
      message(11, report(2, 0, { loss: 1, computeMs: 1, commMs: 1 }), T + 2),
      message(11, { type: 'error', v: PROTOCOL_VERSION, code: ErrorCodes.PEER_CLOSED, message: 'peer 1 closed', context: { rank: 1, generation: 0 } }, T + 3),
      message(13, { type: 'heartbeat', v: PROTOCOL_VERSION, rank: 0, seq: 1, timeMs: T }, T + 4),
    ]);
    expect(state.phase).toBe('training');
    expect(state.progress.pending).toEqual([]);
    expect(commands.filter((command) => command.type === 'close')).toEqual([]);
  });

  it('a silent member is closed with E_TIMEOUT and the ring re-forms without it', () => {
    const run = trainingRun({ minWorkers: 2, heartbeatTimeoutMs: 3_000 });
    const alive = (now: number) => [13, 12].map((conn, i) => message(conn, { type: 'heartbeat', v: PROTOCOL_VERSION, rank: i, seq: 1, timeMs: now }, now));
    const { state, commands } = drive(run, [...alive(T), { type: 'tick', now: T + 3_001 }]);
    expect(sentTo(commands, 11)).toEqual([expect.objectContaining({ type: 'error', code: ErrorCodes.TIMEOUT })]);
    expect(commands).toContainEqual({ type: 'close', conn: 11, reason: ErrorCodes.TIMEOUT });
    expect(state.generation).toBe(1);
    expect(state.workers.map((worker) => worker.conn)).toEqual([13, 12]);
    expect(commands).toContainEqual(expect.objectContaining({ type: 'log', level: 'warn', text: expect.stringMatching(/rank 2 \(node-b, pid 2001\) sent nothing for 6999 ms/) }));
  });

  it('a member stopped by a signal (E_ABORTED) leaves the ring; any other error still fails the run', () => {
    const left = drive(trainingRun({ minWorkers: 2 }), [message(11, { type: 'error', v: PROTOCOL_VERSION, code: ErrorCodes.ABORTED, message: 'stopped by SIGTERM' }, T)]);
    expect(left.state.generation).toBe(1);
    const failed = drive(trainingRun({ minWorkers: 2 }), [message(11, { type: 'error', v: PROTOCOL_VERSION, code: ErrorCodes.NONFINITE, message: 'the training loss is NaN' }, T)]);
    expect(finishOf(failed.commands).error).toEqual({ code: ErrorCodes.NONFINITE, message: 'rank 2 (node-b, pid 2001) failed before its first step: the training loss is NaN' });
  });

  it('a broken ring nobody explains fails the run after the heartbeat timeout, naming the report', () => {
    const run = trainingRun({ minWorkers: 2, heartbeatTimeoutMs: 3_000 });
    const broken = message(13, { type: 'error', v: PROTOCOL_VERSION, code: ErrorCodes.TIMEOUT, message: 'no data from rank 2 within 60000 ms', context: { rank: 0, generation: 0 } }, T);
    const alive = (now: number) => CONN_OF_RANK.map((conn, rank) => message(conn, { type: 'heartbeat', v: PROTOCOL_VERSION, rank, seq: 1, timeMs: now }, now));
    const waiting = drive(run, [broken, ...alive(T + 2_000), { type: 'tick', now: T + 2_500 }]);
    expect(waiting.state.phase).toBe('training');
    const { commands } = drive(waiting.state, [...alive(T + 2_900), { type: 'tick', now: T + 3_001 }]);
    expect(finishOf(commands).error).toEqual({
      code: ErrorCodes.WORKER_FAILED,
      message: 'rank 0 (node-a, pid 1001) failed before its first step: no data from rank 2 within 60000 ms; no member was found dead within 3000 ms',
    });
  });

  it('a broken ring reported before the loss is explained by it: a run waiting for a replacement is not failed by the report', () => {
    const run = trainingRun({ replacementTimeoutMs: 60_000, heartbeatTimeoutMs: 3_000 });
    const broken = message(13, { type: 'error', v: PROTOCOL_VERSION, code: ErrorCodes.PEER_CLOSED, message: 'link from peer 2 closed', context: { rank: 0, generation: 0 } }, T);
    const alive = (now: number) => [13, 12].map((conn, rank) => message(conn, { type: 'heartbeat', v: PROTOCOL_VERSION, rank, seq: 1, timeMs: now }, now));
    const { state } = drive(run, [broken, { type: 'disconnected', conn: 11, reason: 'killed', now: T + 5 }, ...alive(T + 4_000), { type: 'tick', now: T + 4_001 }]);
    expect(state.phase).toBe('training');
    expect(state.degradedSinceMs).toBe(T + 5);
  });

  it('every member lost while a worker waits to join: the run fails instead of starting over from fresh weights', () => {
    const run = trainingRun({ minWorkers: 1, replacementTimeoutMs: 60_000 });
    const gone = drive(run, [11, 12, 13].map((conn, i) => ({ type: 'disconnected' as const, conn, reason: 'killed', now: T + i })));
    expect(gone.state.phase).toBe('training'); // waiting for replacements
    const { commands } = drive(gone.state, arrivals([{ ...RANK2, conn: 21, pid: 2002 }], T + 10));
    expect(sentTo(commands, 21)).not.toContainEqual(expect.objectContaining({ type: 'welcome' }));
    expect(finishOf(commands).error?.message).toMatch(/no member is left to hand the state to the workers that joined$/);
  });

  it('below --min-workers without replacements the run fails, saying how many are left', () => {
    const { commands } = drive(trainingRun({ minWorkers: 2 }), [
      { type: 'disconnected', conn: 12, reason: 'gone', now: T },
      { type: 'disconnected', conn: 11, reason: 'gone', now: T + 1 },
    ]);
    expect(finishOf(commands).error?.message).toMatch(/rank 1 \(node-b, pid 2001\) disconnected before its first step: gone; 1 workers left, fewer than --min-workers 2$/);
  });
});

describe('workers joining a running run', () => {
  it('a restarted worker replaces a lost one: the run waits (replacementTimeoutMs), then re-forms with it as the last rank', () => {
    const run = trainingRun({ replacementTimeoutMs: 30_000 });
    const lost = drive(run, [...step0Events(T), { type: 'disconnected', conn: 11, reason: 'killed', now: T + 10 }]);
    expect(lost.state.degradedSinceMs).toBe(T + 10);
    expect(lost.state.generation).toBe(0);
    const restarted = { ...RANK2, conn: 21, pid: 2002 };
    const { state, commands } = drive(lost.state, arrivals([restarted], T + 2_000));
    expect(state.generation).toBe(1);
    expect(state.joins).toBe(1);
    expect(state.degradedSinceMs).toBeNull();
    expect(sentTo(commands, 21)).toEqual([
      expect.objectContaining<Partial<WelcomeMessage>>({ type: 'welcome', rank: 2, worldSize: 3, generation: 1, plannedWorldSize: 3, elastic: true }),
    ]);
    expect(sentTo(commands, 13)).toEqual([expect.objectContaining({ type: 'reform', rank: 0, committedSteps: 1 })]);
    expect(sentTo(commands, 12)).toEqual([expect.objectContaining({ type: 'reform', rank: 1, committedSteps: 1 })]);
  });

  it('fails when no replacement arrives within replacementTimeoutMs', () => {
    const lost = drive(trainingRun({ replacementTimeoutMs: 30_000 }), [{ type: 'disconnected', conn: 11, reason: 'killed', now: T }]);
    const alive = (now: number) => [13, 12].map((conn, rank) => message(conn, { type: 'heartbeat', v: PROTOCOL_VERSION, rank, seq: 1, timeMs: now }, now));
    const events = [5, 10, 15, 20, 25, 30].flatMap((s) => [...alive(T + s * 1000 - 500), { type: 'tick' as const, now: T + s * 1000 }]);
    expect(drive(lost.state, events).state.phase).toBe('training');
    const { commands } = drive(drive(lost.state, events).state, [{ type: 'tick', now: T + 30_001 }]);
    expect(finishOf(commands).error?.message).toBe('no worker joined within 30000 ms to replace the lost ones: 2 + 0 waiting, fewer than --min-workers 3');
  });

  it('with --max-workers 4 a new worker grows the ring at once; a fifth is refused as the run is full', () => {
    const run = trainingRun({ maxWorkers: 4 });
    const fourth = { conn: 31, host: 'node-c', nodeRank: 2, localRank: 0, dataHost: '10.0.0.3', port: 29600, pid: 3001 };
    const grown = drive(run, arrivals([fourth], T));
    expect(grown.state.workers.map((worker) => worker.conn)).toEqual([13, 12, 11, 31]);
    expect(sentTo(grown.commands, 31)).toEqual([expect.objectContaining({ type: 'welcome', rank: 3, worldSize: 4, generation: 1 })]);
    const fifth = { ...fourth, conn: 32, nodeRank: 3, pid: 3002 };
    const refused = drive(grown.state, arrivals([fifth], T + 1));
    expect(sentTo(refused.commands, 32)).toEqual([expect.objectContaining({ type: 'error', code: ErrorCodes.PROTOCOL, message: 'the run is full (4 workers, --max-workers 4)' })]);
    expect(refused.state.phase).toBe('training');
  });

  it('a joiner with another config or a place that is taken is refused, and the run goes on', () => {
    const run = trainingRun({ maxWorkers: 4 });
    const other = { conn: 31, host: 'node-c', nodeRank: 2, localRank: 0, dataHost: '10.0.0.3', port: 29600, pid: 3001 };
    const mismatch = drive(run, [{ type: 'connected', conn: 31, remote: 'x:1', now: T }, message(31, hello(other, { configHash: 'f'.repeat(64) }), T)]);
    expect(sentTo(mismatch.commands, 31)).toEqual([expect.objectContaining({ type: 'error', code: ErrorCodes.CONFIG_MISMATCH })]);
    const twin = drive(run, [{ type: 'connected', conn: 32, remote: 'x:2', now: T }, message(32, hello({ ...RANK2, conn: 32 }), T)]);
    expect(sentTo(twin.commands, 32)).toEqual([expect.objectContaining({ type: 'error', code: ErrorCodes.DUPLICATE_RANK })]);
    expect([mismatch.state.phase, twin.state.phase, twin.state.generation]).toEqual(['training', 'training', 0]);
  });

  it('a run that is not elastic refuses every late hello, as before', () => {
    const { commands, state } = drive(trainingRun(), arrivals([{ ...RANK2, conn: 21, nodeRank: 5 }], T));
    expect(sentTo(commands, 21)).toEqual([expect.objectContaining({ type: 'error', message: 'the run is full (world size 3)' })]);
    expect(state.generation).toBe(0);
  });
});

describe('evaluations around a reform', () => {
  const evaluation = (rank: number, testAccuracy: number): EvaluationMessage => ({
    type: 'evaluation', v: PROTOCOL_VERSION, rank, result: { step: 40, epoch: 1, testLoss: 0.3, testAccuracy, count: 2000 },
  });

  it('copies from the other ranks count once; the same epoch evaluated again with other values (redone) replaces it', () => {
    const { state, commands } = drive(trainingRun({ minWorkers: 2 }), [
      message(13, evaluation(0, 0.91), T),
      message(12, evaluation(1, 0.91), T + 1),
      message(13, evaluation(0, 0.92), T + 2),
    ]);
    expect(commands.filter((command) => command.type === 'metrics').map((command) => (command.record as { test_accuracy: number }).test_accuracy)).toEqual([0.91, 0.92]);
    expect(state.progress.evaluations).toBe(1);
    expect(state.progress.latestEvaluation?.testAccuracy).toBe(0.92);
  });
});

describe('the summary of an elastic run', () => {
  it('has the final world, its hashes, the generation and the joins; the global batch kept by accumulation', () => {
    // CONFIG: batch 32 x accumulation 2 x 3 workers = 192; on 2 workers accumulation 3 keeps it.
    const lost = drive(trainingRun({ minWorkers: 2 }), [{ type: 'disconnected', conn: 11, reason: 'killed', now: T }]).state;
    const hash = 'ab'.repeat(32);
    const done = (rank: number): DoneMessage => ({ type: 'done', v: PROTOCOL_VERSION, rank, generation: 1, steps: 9, paramHash: hash, computeMs: 1, commMs: 1, trainMs: 10 });
    const { commands } = drive(lost, [message(13, done(0), T + 5), message(12, done(1), T + 6)]);
    const { summary } = finishOf(commands);
    expect(summary).toMatchObject({ status: 'ok', world_size: 2, generation: 1, restarts: 0, param_hashes: [hash, hash], global_batch_size: 192 });
  });
});
