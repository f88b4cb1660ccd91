// A whole 3-worker run, every value computed by hand. Workers say hello as node-b/0, node-a/1, node-a/0,
// so the ranks, sorted by (nodeRank, localRank), are: conn 13 -> 0, conn 12 -> 1, conn 11 -> 2.

import { PROTOCOL_VERSION, type DoneMessage } from '@ringtrain/protocol';
import { describe, expect, it } from 'vitest';
import { initialState } from './state.js';
import {
  arrivals,
  CONFIG,
  CONN_OF_RANK,
  drive,
  finishOf,
  makeOptions,
  message,
  report,
  sends,
  sentTo,
  STARTED_AT,
  STEP0,
  WORKERS,
} from './test-support.js';

const T = STARTED_AT + 2000;
const FINAL_HASH = 'b'.repeat(64);
const STEP1_HASH = 'a'.repeat(64);

// Step 1 is a hash step (hashEvery 2: (1 + 1) % 2 === 0), so every report carries the (equal) hash.
const STEP1 = [
  report(0, 1, { loss: 2.0, computeMs: 100, commMs: 25, lr: 0.05, paramHash: STEP1_HASH }),
  report(1, 1, { loss: 1.5, computeMs: 100, commMs: 25, lr: 0.05, paramHash: STEP1_HASH }),
  report(2, 1, { loss: 1.0, computeMs: 100, commMs: 25, lr: 0.05, paramHash: STEP1_HASH }),
];

function done(rank: number, computeMs: number, commMs: number, trainMs: number): DoneMessage {
  return { type: 'done', v: PROTOCOL_VERSION, rank, generation: 0, steps: 2, paramHash: FINAL_HASH, computeMs, commMs, trainMs };
}

describe('a 3-worker run from rendezvous to finish', () => {
  const start = initialState(makeOptions());
  const firstTwo = drive(start, arrivals(WORKERS.slice(0, 2)));
  const rendezvous = drive(firstTwo.state, arrivals(WORKERS.slice(2), STARTED_AT + 1500));

  it('welcomes nobody before the last worker says hello', () => {
    expect(sends(firstTwo.commands)).toEqual([]);
    expect(firstTwo.state.phase).toBe('rendezvous');
  });

  it('assigns ranks by (nodeRank, localRank) and sends each member its welcome with the ring in rank order', () => {
    const ring = [
      { rank: 0, host: '10.0.0.1', port: 29600 },
      { rank: 1, host: '10.0.0.1', port: 29601 },
      { rank: 2, host: '10.0.0.2', port: 29600 },
    ];
    expect(sends(rendezvous.commands)).toEqual(
      CONN_OF_RANK.map((conn, rank) => ({
        type: 'send',
        conn,
        message: { type: 'welcome', v: PROTOCOL_VERSION, rank, worldSize: 3, generation: 0, ring, config: CONFIG, plannedWorldSize: 3, elastic: false },
      })),
    );
    expect(rendezvous.state.phase).toBe('training');
  });

  // Reports interleave: rank 0 is already at step 1 when rank 1's step 0 arrives.
  const r2s0 = drive(rendezvous.state, [message(11, STEP0[2]!, T), message(13, STEP0[0]!, T + 1), message(13, STEP1[0]!, T + 2)]);
  const r1s0 = drive(r2s0.state, [message(12, STEP0[1]!, T + 3)]);

  it('commits a step only when the last rank reported it', () => {
    expect(r2s0.commands).toEqual([]);
    const commit = { type: 'commit', v: PROTOCOL_VERSION, generation: 0, step: 0 };
    expect(sends(r1s0.commands)).toEqual(CONN_OF_RANK.map((conn) => ({ type: 'send', conn, message: commit })));
  });

  it('records step 0: mean loss, slowest rank timings and samples per second', () => {
    // loss = (2.5 + 2.25 + 2.75) / 3 = 2.5
    // step time (test-support reports stepMs = computeMs + commMs) = max(100 + 25, 110 + 5, 90 + 30) = 125 ms;
    // samples/s = 3 * 64 / 0.125 = 1536; compute_ms = max(100, 110, 90) = 110; comm_ms = max(25, 5, 30) = 30
    const record = { step: 0, epoch: 0, lr: 0.1, loss: 2.5, grad_norm: 1.5, total_steps: null, samples_per_second: 1536, step_ms: 125, compute_ms: 110, comm_ms: 30, generation: 0 };
    expect(r1s0.commands.filter((command) => command.type === 'metrics')).toEqual([{ type: 'metrics', record }]);
  });

  it('keeps only steps after the last commit', () => {
    expect(r1s0.state.progress.pending.map((pending) => pending.step)).toEqual([1]);
  });

  const step1 = drive(r1s0.state, [message(11, STEP1[2]!, T + 4), message(12, STEP1[1]!, T + 5)]);

  it('checks the equal hashes of step 1 and commits it', () => {
    // loss = (2 + 1.5 + 1) / 3 = 1.5; samples/s = 192 / 0.125 = 1536
    const record = { step: 1, epoch: 0, lr: 0.05, loss: 1.5, grad_norm: 1.5, total_steps: null, samples_per_second: 1536, step_ms: 125, compute_ms: 100, comm_ms: 25, generation: 0 };
    expect(step1.commands[0]).toEqual({ type: 'metrics', record });
    expect(sentTo(step1.commands, 11)).toEqual([{ type: 'commit', v: PROTOCOL_VERSION, generation: 0, step: 1 }]);
    expect(step1.state.progress.pending).toEqual([]);
  });

  const evaluation = { step: 2, epoch: 1, testLoss: 1.25, testAccuracy: 0.75, count: 1000 };
  const evaluated = drive(step1.state, [
    message(12, { type: 'evaluation', v: PROTOCOL_VERSION, rank: 1, result: evaluation }, T + 6),
    message(13, { type: 'evaluation', v: PROTOCOL_VERSION, rank: 0, result: evaluation }, T + 7),
  ]);

  it('records an evaluation once, however many ranks send it', () => {
    expect(evaluated.commands).toEqual([{ type: 'metrics', record: { step: 2, epoch: 1, test_loss: 1.25, test_accuracy: 0.75 } }]);
  });

  const end = STARTED_AT + 12_500;
  const twoDone = drive(evaluated.state, [message(11, done(2, 190, 60, 350), end - 2), message(13, done(0, 200, 50, 300), end - 1)]);
  const finished = drive(twoDone.state, [message(12, done(1, 210, 40, 375), end)]);

  it('waits for every done, then shuts every worker down with exit code 0', () => {
    expect(sends(twoDone.commands)).toEqual([]);
    const shutdown = { type: 'shutdown', v: PROTOCOL_VERSION, reason: 'training finished', exitCode: 0 };
    expect(sends(finished.commands)).toEqual(CONN_OF_RANK.map((conn) => ({ type: 'send', conn, message: shutdown })));
    expect(finished.commands.at(-1)?.type).toBe('finish');
  });

  it('finishes with the summary', () => {
    expect(finishOf(finished.commands)).toEqual({
      ok: true,
      exitCode: 0,
      summary: {
        world_size: 3,
        epochs: 1,
        steps: 2,
        global_batch_size: 192, // 32 * 2 * 3
        samples_per_second: 1024, // 6 reports * 64 samples / (max trainMs 375 / 1000)
        wall_seconds: 12.5,
        compute_seconds: 0.2, // (200 + 210 + 190) / 3 ms
        comm_seconds: 0.05, // (50 + 40 + 60) / 3 ms
        final_train_loss: 1.5,
        test_loss: 1.25,
        test_accuracy: 0.75,
        param_hashes: [FINAL_HASH, FINAL_HASH, FINAL_HASH],
        restarts: 0,
        generation: 0,
        status: 'ok',
        error: null,
        started_at: '2025-01-01T00:00:00.000Z',
        finished_at: '2025-01-01T00:00:12.500Z',
      },
    });
    expect(finished.state.phase).toBe('finished');
  });

  it('ignores every event after the finish', () => {
    const after = drive(finished.state, [
      message(12, { type: 'heartbeat', v: PROTOCOL_VERSION, rank: 1, seq: 9, timeMs: end + 5 }, end + 5),
      message(12, { type: 'welcome', v: PROTOCOL_VERSION, rank: 0, worldSize: 1, generation: 0, ring: [{ rank: 0, host: 'x', port: 1 }], config: {}, plannedWorldSize: 1, elastic: false }, end + 6),
      { type: 'invalidMessage', conn: 11, code: 'E_PROTOCOL', detail: 'garbage', now: end + 7 },
      { type: 'disconnected', conn: 13, reason: 'closed', now: end + 8 },
      { type: 'tick', now: end + 3_600_000 },
      { type: 'interrupt', signal: 'SIGINT', now: end + 9 },
    ]);
    expect(after.commands).toEqual([]);
    expect(after.state).toBe(finished.state);
  });
});
