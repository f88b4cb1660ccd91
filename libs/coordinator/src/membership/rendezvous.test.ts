// Rendezvous: who gets in, who is refused, and when the refusal ends the run.

import { InvalidArgumentError } from '@ringtrain/common';
import { PROTOCOL_VERSION, type WelcomeMessage } from '@ringtrain/protocol';
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
  sentTo,
  STARTED_AT,
  trainingRun,
  WORKERS,
} from './test-support.js';

const T = STARTED_AT + 5000;
const [nodeB0, nodeA1, nodeA0] = WORKERS as [(typeof WORKERS)[0], (typeof WORKERS)[0], (typeof WORKERS)[0]];
const twoJoined = () => drive(initialState(makeOptions()), arrivals([nodeB0, nodeA1])).state;

describe('initialState', () => {
  it.each([
    ['worldSize', { worldSize: 0 }],
    ['worldSize', { worldSize: 2.5 }],
    ['configHash', { configHash: 'C0FFEE00'.repeat(8) }],
    ['hashEvery', { hashEvery: -1 }],
    ['rendezvousTimeoutMs', { rendezvousTimeoutMs: 0 }],
    ['heartbeatTimeoutMs', { heartbeatTimeoutMs: Number.POSITIVE_INFINITY }],
  ])('refuses a bad %s', (subject, overrides) => {
    expect(() => initialState(makeOptions(overrides))).toThrow(InvalidArgumentError);
    expect(() => initialState(makeOptions(overrides))).toThrow(expect.objectContaining({ context: { subject } }));
  });
});

describe('config mismatch', () => {
  const theirs = 'dddddddd'.repeat(8);
  const { state, commands } = drive(twoJoined(), [
    { type: 'connected', conn: 13, remote: '10.0.0.1:40013', now: T },
    message(13, hello(nodeA0, { configHash: theirs }), T),
  ]);

  it('refuses the worker with E_CONFIG_MISMATCH, showing both hash prefixes, and closes it', () => {
    expect(sentTo(commands, 13)).toEqual([
      {
        type: 'error',
        v: PROTOCOL_VERSION,
        code: 'E_CONFIG_MISMATCH',
        message:
          "the worker's run config differs from the coordinator's (config hash dddddddd… here, c0ffee00… on the coordinator): " +
          "start every worker with the coordinator's config or with none",
      },
    ]);
    expect(commands).toContainEqual({ type: 'close', conn: 13, reason: 'E_CONFIG_MISMATCH' });
  });

  it('fails the run with exit code 2 (bad input) and shuts the waiting workers down', () => {
    const result = finishOf(commands);
    expect(result.ok).toBe(false);
    expect(result.exitCode).toBe(2);
    expect(result.error?.code).toBe('E_CONFIG_MISMATCH');
    expect(result.error?.message).toMatch(/^worker node-a \(pid 1001, node rank 0, local rank 0\): the worker's run config differs/);
    for (const conn of [11, 12]) expect(sentTo(commands, conn)).toEqual([expect.objectContaining({ type: 'shutdown', exitCode: 2 })]);
    expect(state.phase).toBe('finished');
  });

  it('reports a summary with nothing measured', () => {
    expect(finishOf(commands).summary).toMatchObject({
      status: 'failed',
      steps: null,
      epochs: 0,
      samples_per_second: null,
      compute_seconds: null,
      final_train_loss: null,
      test_loss: null,
      param_hashes: ['', '', ''],
      error: { code: 'E_CONFIG_MISMATCH' },
    });
  });

  it('accepts a worker without a config hash: it takes the coordinator config from welcome', () => {
    const { commands: welcomed } = drive(twoJoined(), [message(13, hello(nodeA0, { configHash: undefined }), T)]);
    expect(sentTo(welcomed, 13)).toEqual([expect.objectContaining({ type: 'welcome', rank: 0 })]);
  });
});

describe('duplicate rank', () => {
  const twin = { ...nodeB0, conn: 14, pid: 2999 };
  const { commands } = drive(twoJoined(), [message(14, hello(twin), T)]);

  it('refuses the second claim of (node 1, local 0) with E_DUPLICATE_RANK and fails the run', () => {
    expect(sentTo(commands, 14)).toEqual([
      expect.objectContaining({ type: 'error', code: 'E_DUPLICATE_RANK', message: expect.stringContaining('node rank 1, local rank 0 is already taken by node-b (pid 2001)') }),
    ]);
    expect(commands).toContainEqual({ type: 'close', conn: 14, reason: 'E_DUPLICATE_RANK' });
    expect(finishOf(commands)).toMatchObject({ ok: false, exitCode: 2, error: { code: 'E_DUPLICATE_RANK' } });
    expect(sentTo(commands, 11)).toEqual([expect.objectContaining({ type: 'shutdown', exitCode: 2 })]);
  });
});

describe('a worker beyond the world size', () => {
  const extra = { ...nodeA0, conn: 14, nodeRank: 2, pid: 3001 };
  const { state, commands } = drive(trainingRun(), [
    { type: 'connected', conn: 14, remote: '10.0.0.4:40014', now: T },
    message(14, hello(extra), T),
  ]);

  it('is refused and closed; the run goes on', () => {
    expect(commands).toEqual(rejection(14, '10.0.0.4:40014', 'E_PROTOCOL', 'the run is full (world size 3)'));
    expect(state.phase).toBe('training');
    expect(state.workers.map((worker) => worker.conn)).toEqual(CONN_OF_RANK);
  });
});

describe('rendezvous timeout', () => {
  const waiting = twoJoined();

  it('waits until the deadline (60 s after the start) has passed', () => {
    expect(drive(waiting, [{ type: 'tick', now: STARTED_AT + 60_000 }]).commands).toEqual([]);
  });

  it('then fails the run saying how many workers arrived', () => {
    const { commands } = drive(waiting, [{ type: 'tick', now: STARTED_AT + 60_001 }]);
    expect(finishOf(commands)).toMatchObject({
      ok: false,
      exitCode: 1,
      error: {
        code: 'E_TIMEOUT',
        message:
          'rendezvous timed out after 60000 ms: 2 of 3 workers arrived: node-b (pid 2001, node rank 1, local rank 0), ' +
          'node-a (pid 1002, node rank 0, local rank 1)',
      },
      summary: { wall_seconds: 60.001 },
    });
    for (const conn of [11, 12]) expect(sentTo(commands, conn)).toEqual([expect.objectContaining({ type: 'shutdown', exitCode: 1 })]);
  });
});

describe('the first message of a connection', () => {
  it('must be hello: anything else gets E_PROTOCOL and a close, and later messages are ignored', () => {
    const heartbeat = { type: 'heartbeat', v: PROTOCOL_VERSION, seq: 0, timeMs: T } as const;
    const { state, commands } = drive(twoJoined(), [
      { type: 'connected', conn: 20, remote: '10.0.0.9:5000', now: T },
      message(20, heartbeat, T),
      message(20, hello({ ...nodeA0, conn: 20 }), T + 1),
    ]);
    expect(commands).toEqual(rejection(20, '10.0.0.9:5000', 'E_PROTOCOL', 'the first message must be hello, received heartbeat'));
    expect(state.phase).toBe('rendezvous');
  });

  it('may not be a coordinator message either; the run goes on', () => {
    const welcome: WelcomeMessage = { type: 'welcome', v: PROTOCOL_VERSION, rank: 0, worldSize: 1, generation: 0, ring: [{ rank: 0, host: 'h', port: 1 }], config: {}, plannedWorldSize: 1, elastic: false };
    const { state, commands } = drive(trainingRun(), [message(20, welcome, T)]);
    expect(sentTo(commands, 20)).toEqual([expect.objectContaining({ type: 'error', code: 'E_PROTOCOL', message: 'the first message must be hello, received welcome' })]);
    expect(state.phase).toBe('training');
  });
});

describe('a worker leaving during rendezvous', () => {
  it('is forgotten, and a replacement takes its place', () => {
    const replacement = { ...nodeB0, conn: 21, pid: 2002, dataHost: '10.0.0.3' };
    const { state, commands } = drive(twoJoined(), [
      { type: 'disconnected', conn: 11, reason: 'ECONNRESET', now: T },
      ...arrivals([replacement, nodeA0], T + 1),
    ]);
    expect(commands).toContainEqual({
      type: 'log',
      level: 'warn',
      text: 'worker node-b (pid 2001, node rank 1, local rank 0) left before the run started (ECONNRESET); 1 of 3 workers remain',
    });
    expect(sentTo(commands, 11)).toEqual([]);
    expect(sentTo(commands, 21)).toEqual([expect.objectContaining({ type: 'welcome', rank: 2, ring: expect.arrayContaining([{ rank: 2, host: '10.0.0.3', port: 29600 }]) })]);
    expect(state.phase).toBe('training');
  });

  it('is forgotten when it sends an error before welcome', () => {
    const error = { type: 'error', v: PROTOCOL_VERSION, code: 'E_CONNECT', message: 'cannot listen on port 29600' } as const;
    const { state, commands } = drive(twoJoined(), [message(11, error, T)]);
    expect(state.workers.map((worker) => worker.conn)).toEqual([12]);
    expect(commands).toEqual([expect.objectContaining({ type: 'log', level: 'warn', text: expect.stringContaining('(E_CONNECT: cannot listen on port 29600)') })]);
  });

  it('is forgotten when it breaks the protocol before welcome (a report has no rank to belong to yet)', () => {
    const { state, commands } = drive(twoJoined(), [message(11, { type: 'done', v: PROTOCOL_VERSION, rank: 0, generation: 0, steps: 1, paramHash: 'a'.repeat(64), computeMs: 1, commMs: 1, trainMs: 1 }, T)]);
    expect(sentTo(commands, 11)).toEqual([expect.objectContaining({ code: 'E_PROTOCOL', message: 'done before welcome' })]);
    expect(state.workers.map((worker) => worker.conn)).toEqual([12]);
    expect(state.phase).toBe('rendezvous');
  });
});
