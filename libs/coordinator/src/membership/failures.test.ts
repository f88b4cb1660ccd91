// How a running run ends when a member fails, goes away, falls silent, breaks the protocol, or the
// coordinator is interrupted. Step 0 (STEP0) is committed first wherever the summary is checked:
// losses 2.5, 2.25, 2.75; compute 100, 110, 90 ms; comm 25, 5, 30 ms; 64 samples per rank.

import { PROTOCOL_VERSION, type DoneMessage } from '@ringtrain/protocol';
import { describe, expect, it } from 'vitest';
import { initialState } from './state.js';
import {
  arrivals,
  CONN_OF_RANK,
  drive,
  finishOf,
  hello,
  makeOptions,
  message,
  rejection,
  report,
  sends,
  sentTo,
  STARTED_AT,
  step0Events,
  trainingRun,
  WORKERS,
} from './test-support.js';

const T = STARTED_AT + 3000;
const afterStep0 = () => drive(trainingRun(), step0Events(T)).state;
const shutdownTargets = (commands: Parameters<typeof sends>[0]) =>
  sends(commands).filter((command) => command.message.type === 'shutdown').map((command) => command.conn);

function done(rank: number): DoneMessage {
  return { type: 'done', v: PROTOCOL_VERSION, rank, generation: 0, steps: 1, paramHash: 'e'.repeat(64), computeMs: 100, commMs: 40, trainMs: 250 };
}

describe('a worker error message', () => {
  const error = { type: 'error', v: PROTOCOL_VERSION, code: 'E_NONFINITE', message: 'loss is NaN', context: { rank: 1, step: 1 } } as const;
  const { commands } = drive(afterStep0(), [message(12, error, T + 500)]);
  const reason = 'rank 1 (node-a, pid 1002) failed at step 1: loss is NaN';

  it('fails the run with the worker\'s code, attributed to its rank, and shuts the others down', () => {
    expect(commands[0]).toEqual({ type: 'log', level: 'error', text: `run failed: E_NONFINITE: ${reason}` });
    expect(sends(commands)).toEqual([13, 11].map((conn) => ({ type: 'send', conn, message: { type: 'shutdown', v: PROTOCOL_VERSION, reason, exitCode: 1 } })));
    expect(finishOf(commands)).toMatchObject({ ok: false, exitCode: 1, error: { code: 'E_NONFINITE', message: reason } });
  });

  it('summarizes the committed steps from their reports', () => {
    expect(finishOf(commands).summary).toMatchObject({
      status: 'failed',
      steps: 1,
      epochs: 0,
      global_batch_size: 192,
      samples_per_second: 1536, // 192 samples / max(125, 115, 120) ms
      compute_seconds: 0.1, // (100 + 110 + 90) / 3 ms
      comm_seconds: 0.02, // (25 + 5 + 30) / 3 ms
      final_train_loss: 2.5,
      test_loss: null,
      test_accuracy: null,
      param_hashes: ['', '', ''],
      wall_seconds: 3.5,
    });
  });
});

describe('a member disconnecting', () => {
  it('before done fails the run, naming rank, host, pid, step and reason', () => {
    const { commands } = drive(afterStep0(), [{ type: 'disconnected', conn: 11, reason: 'socket hang up', now: T + 10 }]);
    expect(finishOf(commands).error).toEqual({ code: 'E_WORKER_FAILED', message: 'rank 2 (node-b, pid 2001) disconnected at step 1: socket hang up' });
    expect(shutdownTargets(commands)).toEqual([13, 12]);
  });

  // With every done in, the totals come from done: 192 samples / 0.25 s = 768 samples/s; 100 ms compute, 40 ms comm.
  it('after done is no failure; the run finishes when the others are done', () => {
    const { commands } = drive(afterStep0(), [
      message(13, done(0), T + 1),
      { type: 'disconnected', conn: 13, reason: 'closed', now: T + 2 },
      message(12, done(1), T + 3),
      message(11, done(2), T + 4),
    ]);
    expect(finishOf(commands)).toMatchObject({ ok: true, exitCode: 0, summary: { compute_seconds: 0.1, comm_seconds: 0.04, samples_per_second: 768 } });
    expect(shutdownTargets(commands)).toEqual([12, 11]);
  });
});

describe('heartbeat timeout (10 s)', () => {
  it('does not count the wait in rendezvous as silence: workers arriving a minute apart start fine', () => {
    const first = drive(initialState(makeOptions()), arrivals(WORKERS.slice(0, 2), STARTED_AT)).state;
    const started = drive(first, arrivals(WORKERS.slice(2), STARTED_AT + 60_000));
    expect(started.state.phase).toBe('training');
    expect(drive(started.state, [{ type: 'tick', now: STARTED_AT + 60_500 }]).commands).toEqual([]);
  });

  // trainingRun: conn 11 (rank 2) said hello at +1000, conn 12 at +1001, conn 13 at +1002; training (and every
  // member's liveness clock) starts with the last hello, at +1002.
  const heartbeat = (rank: number, now: number) => message(CONN_OF_RANK[rank]!, { type: 'heartbeat', v: PROTOCOL_VERSION, rank, seq: 1, timeMs: now }, now);
  const alive = drive(trainingRun(), [heartbeat(0, STARTED_AT + 8000), heartbeat(1, STARTED_AT + 8000)]).state;

  it('answers every heartbeat with its seq, so workers can tell a live coordinator from a hung one', () => {
    const { commands } = drive(trainingRun(), [heartbeat(1, STARTED_AT + 8000)]);
    expect(commands).toEqual([{ type: 'send', conn: CONN_OF_RANK[1], message: { type: 'heartbeat', v: PROTOCOL_VERSION, seq: 1, timeMs: STARTED_AT + 8000 } }]);
  });

  it('tolerates exactly the timeout', () => {
    expect(drive(alive, [{ type: 'tick', now: STARTED_AT + 11_002 }]).commands).toEqual([]);
  });

  it('fails the run for a member silent longer, and shuts the others down', () => {
    const { commands } = drive(alive, [{ type: 'tick', now: STARTED_AT + 11_003 }]);
    expect(finishOf(commands).error).toEqual({ code: 'E_WORKER_FAILED', message: 'rank 2 (node-b, pid 2001) sent nothing for 10001 ms (before its first step)' });
    expect(shutdownTargets(commands)).toEqual([13, 12]);
  });

  it('counts any message as a sign of life and names the step a silent member was at', () => {
    // All reported step 0 at T; ranks 1 and 2 report again at T + 5000, rank 0 goes quiet.
    const { commands } = drive(afterStep0(), [
      message(12, report(1, 1, { loss: 1, computeMs: 1, commMs: 1 }), T + 5000),
      message(11, report(2, 1, { loss: 1, computeMs: 1, commMs: 1 }), T + 5000),
      { type: 'tick', now: T + 10_001 },
    ]);
    expect(finishOf(commands).error?.message).toBe('rank 0 (node-a, pid 1001) sent nothing for 10001 ms (at step 1)');
  });

  it('leaves members that already sent done alone', () => {
    const all = [0, 1, 2].map((rank) => heartbeat(rank, T + 5000));
    const { commands } = drive(afterStep0(), [message(13, done(0), T), all[1]!, all[2]!, { type: 'tick', now: T + 10_001 }]);
    expect(commands.filter((command) => command.type === 'finish')).toEqual([]);
  });
});

describe('interrupt', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s shuts every worker down with exit code %i and finishes with it', (signal, exitCode) => {
    const { commands } = drive(afterStep0(), [{ type: 'interrupt', signal, now: T + 1 }]);
    const shutdown = { type: 'shutdown', v: PROTOCOL_VERSION, reason: `interrupted by ${signal}`, exitCode };
    expect(sends(commands)).toEqual(CONN_OF_RANK.map((conn) => ({ type: 'send', conn, message: shutdown })));
    expect(finishOf(commands)).toMatchObject({ ok: false, exitCode, error: { code: 'E_ABORTED', message: `interrupted by ${signal}` }, summary: { steps: 1 } });
  });

  it('during rendezvous reaches the workers that already arrived', () => {
    const waiting = drive(initialState(makeOptions()), arrivals(WORKERS.slice(0, 1))).state;
    const { commands } = drive(waiting, [{ type: 'interrupt', signal: 'SIGINT', now: T }]);
    expect(shutdownTargets(commands)).toEqual([11]);
    expect(finishOf(commands).exitCode).toBe(130);
  });
});

describe('local failure', () => {
  it('ends the run with the cause the launcher saw, not as an interrupt', () => {
    const waiting = drive(initialState(makeOptions()), arrivals(WORKERS.slice(0, 1))).state;
    const message = 'rank 1 exited with code 2 before joining';
    const { commands } = drive(waiting, [{ type: 'localFailure', code: 'E_WORKER_FAILED', message, exitCode: 2, now: T }]);
    expect(shutdownTargets(commands)).toEqual([11]);
    expect(finishOf(commands)).toMatchObject({ ok: false, exitCode: 2, error: { code: 'E_WORKER_FAILED', message } });
  });
});

describe('a connection that never says hello', () => {
  it('is closed with E_TIMEOUT after 10 s; members and the run are untouched', () => {
    // The members stay alive (heartbeats at T + 9000), connection 40 only connects.
    const alive = [0, 1, 2].map((rank) => message(CONN_OF_RANK[rank]!, { type: 'heartbeat', v: PROTOCOL_VERSION, rank, seq: 1, timeMs: T + 9000 }, T + 9000));
    const connected = drive(afterStep0(), [{ type: 'connected', conn: 40, remote: '10.0.0.9:5555', now: T }, ...alive]).state;
    expect(drive(connected, [{ type: 'tick', now: T + 10_000 }]).commands).toEqual([]);
    const { state, commands } = drive(connected, [{ type: 'tick', now: T + 10_001 }]);
    expect(commands).toEqual(rejection(40, '10.0.0.9:5555', 'E_TIMEOUT', 'no hello within 10000 ms of connecting'));
    expect(state.phase).toBe('training');
  });
});

describe('invalid messages', () => {
  it('from a connection that is no member: error reply with the decoder\'s code, close, the run goes on', () => {
    const { state, commands } = drive(afterStep0(), [
      { type: 'connected', conn: 30, remote: '10.0.0.7:1234', now: T },
      { type: 'invalidMessage', conn: 30, code: 'E_OVERSIZE', detail: 'message of 2000000 bytes is over the 1048576-byte limit', now: T },
    ]);
    expect(commands.slice(1)).toEqual([
      { type: 'send', conn: 30, message: { type: 'error', v: PROTOCOL_VERSION, code: 'E_OVERSIZE', message: 'message of 2000000 bytes is over the 1048576-byte limit' } },
      { type: 'close', conn: 30, reason: 'E_OVERSIZE' },
    ]);
    expect(state.phase).toBe('training');
  });

  it('from a member of the running run: error reply, close, and the run fails naming the rank', () => {
    const { commands } = drive(trainingRun(), [{ type: 'invalidMessage', conn: 12, code: 'E_PROTOCOL', detail: 'report.loss: expected number', now: T }]);
    expect(sentTo(commands, 12)).toEqual([{ type: 'error', v: PROTOCOL_VERSION, code: 'E_PROTOCOL', message: 'report.loss: expected number' }]);
    expect(commands).toContainEqual({ type: 'close', conn: 12, reason: 'E_PROTOCOL' });
    expect(finishOf(commands).error).toEqual({
      code: 'E_WORKER_FAILED',
      message: 'rank 1 (node-a, pid 1002) sent an invalid message before its first step: E_PROTOCOL: report.loss: expected number',
    });
    expect(shutdownTargets(commands)).toEqual([13, 11]);
  });

  it.each([
    ['a coordinator message', { type: 'commit', v: PROTOCOL_VERSION, generation: 0, step: 0 }, 'commit is a coordinator message, a worker must not send it'],
    ['another rank\'s report', report(0, 1, { loss: 1, computeMs: 1, commMs: 1 }), 'report claims rank 0, the connection is rank 1'],
    ['a report of an old step', report(1, 0, { loss: 1, computeMs: 1, commMs: 1 }), 'report of step 0 after one of step 0'],
    ['a second hello', hello(WORKERS[1]!), 'hello sent twice on one connection'],
  ] as const)('from a member (%s) fail the run', (_what, msg, detail) => {
    const { commands } = drive(afterStep0(), [message(12, msg, T + 1)]);
    expect(sentTo(commands, 12)).toEqual([{ type: 'error', v: PROTOCOL_VERSION, code: 'E_PROTOCOL', message: detail }]);
    expect(finishOf(commands).error?.message).toBe(`rank 1 (node-a, pid 1002) sent an invalid message at step 1: E_PROTOCOL: ${detail}`);
  });
});
