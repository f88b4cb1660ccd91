// What the worker writes to its coordinator, in order, over a stand-in for the WebSocket (no coordinator needed):
// step reports gathered (or not, in elastic runs), always ahead of any later message, and heartbeats on their own.

import { ErrorCodes, type RingtrainError } from '@ringtrain/common';
import { decodeMessage, PROTOCOL_VERSION, type Message, type StepReport, type WelcomeMessage } from '@ringtrain/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type WebSocket from 'ws';
import { ControlClient } from './control-client.js';

const stepOf = (step: number, lr = 0.1): StepReport => ({ step, epoch: 0, loss: 1, lr, gradNorm: 1, samples: 32, timings: { computeMs: 4, commMs: 1, stepMs: 6 } });

function welcome(elastic: boolean): WelcomeMessage {
  return { type: 'welcome', v: PROTOCOL_VERSION, rank: 1, worldSize: 2, generation: 0, ring: [{ rank: 0, host: 'h', port: 1 }, { rank: 1, host: 'h', port: 2 }], config: {}, plannedWorldSize: 2, elastic };
}

/** A connected client over a socket that records what is written to it ('closed' once closed). */
function connected(elastic: boolean, heartbeatIntervalMs = 60_000) {
  const written: (Message | 'closed')[] = [];
  const lost: RingtrainError[] = [];
  const socket = {
    readyState: 1, // OPEN
    send: (data: Buffer, cb?: () => void) => {
      written.push(decodeMessage(data));
      cb?.();
    },
    on: () => socket,
    close: () => written.push('closed'),
    terminate: () => undefined,
  };
  const client = new ControlClient(socket as unknown as WebSocket, { host: '127.0.0.1', port: 1, token: undefined, heartbeatIntervalMs, onLost: (err) => lost.push(err) }, welcome(elastic));
  /** What was written: each report as the steps it carried, other messages by type. */
  const log = () => written.map((m) => (m === 'closed' ? m : m.type === 'report' ? m.steps.map((s) => s.step) : m.type));
  return { client, log, lost };
}

describe('ControlClient', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  it('gathers fast steps and sends what waits ahead of any other message and at close', async () => {
    const { client, log } = connected(false);
    for (const step of [0, 1, 2]) client.report(1, 0, stepOf(step));
    client.send({ type: 'evaluation', v: PROTOCOL_VERSION, rank: 1, result: { step: 3, epoch: 1, testLoss: 1, testAccuracy: 0.5, count: 10 } });
    client.report(1, 0, stepOf(3));
    await client.flush({ type: 'checkpoint', v: PROTOCOL_VERSION, step: 4, path: '/tmp/c' });
    client.report(1, 0, stepOf(4));
    client.close();
    expect(log()).toEqual([[0], [1, 2], 'evaluation', [3], 'checkpoint', [4], 'closed']);
  });

  it('sends every step at once in an elastic run', () => {
    const { client, log } = connected(true);
    for (const step of [0, 1, 2]) client.report(1, 0, stepOf(step));
    expect(log()).toEqual([[0], [1], [2]]);
  });

  it('sends heartbeats on their own, without the waiting steps', () => {
    const { client, log } = connected(false, 30);
    client.report(1, 0, stepOf(0));
    client.report(1, 0, stepOf(1));
    vi.advanceTimersByTime(30);
    expect(log()).toEqual([[0], 'heartbeat']);
    vi.advanceTimersByTime(20); // 50 ms after step 0 went out
    expect(log()).toEqual([[0], 'heartbeat', [1]]);
    client.close();
  });

  it('loses the connection with E_PROTOCOL, naming the step, when a waiting report cannot be encoded', () => {
    const { client, log, lost } = connected(false);
    client.report(1, 0, stepOf(0));
    client.report(1, 0, stepOf(1, -1)); // a negative learning rate: no valid report
    vi.advanceTimersByTime(50);
    expect(log()).toEqual([[0]]);
    expect(lost.map((err) => [err.code, err.detail.split(':')[0]])).toEqual([[ErrorCodes.PROTOCOL, 'the report of step 1 cannot be sent']]);
  });
});
