import { Socket, type AddressInfo } from 'node:net';
import { decodeMessage, encodeMessage, PROTOCOL_VERSION, type Message, type MessageOf } from '@ringtrain/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { ControlClient } from '../src/control-client.js';

// A stand-in coordinator on loopback: answers the hello with a welcome, then records every message it gets.
async function fakeCoordinator() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const received: Message[] = [];
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer) => {
      const message = decodeMessage(data);
      if (message.type === 'hello') {
        const welcome: MessageOf<'welcome'> = { type: 'welcome', v: PROTOCOL_VERSION, rank: 0, worldSize: 1, generation: 0, ring: [{ rank: 0, host: '127.0.0.1', port: 1 }], config: {}, plannedWorldSize: 1, elastic: false };
        ws.send(encodeMessage(welcome));
      } else received.push(message);
    });
  });
  const port = (wss.address() as AddressInfo).port;
  return { wss, port, received };
}

const hello = { host: 'test', nodeRank: 0, localRank: 0, localWorldSize: 1, dataPlane: { host: '127.0.0.1', port: 1 }, pid: process.pid, backend: 'cpu' };
const report = (step: number): MessageOf<'report'> => ({
  type: 'report', v: PROTOCOL_VERSION, rank: 0, generation: 0, step, epoch: 0, loss: 0.5, lr: 0.1, gradNorm: 1, samples: 64,
  timings: { computeMs: 1, commMs: 1, stepMs: 2 },
});
const evaluation: MessageOf<'evaluation'> = { type: 'evaluation', v: PROTOCOL_VERSION, rank: 0, result: { step: 3, epoch: 1, testLoss: 0.25, testAccuracy: 0.9, count: 100 } };
const until = async (done: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const steps = (messages: Message[]) => messages.map((m) => (m.type === 'report' ? m.step : m.type));

describe('ControlClient', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => cleanup.splice(0).forEach((f) => f()));

  async function connected() {
    const coordinator = await fakeCoordinator();
    const client = await ControlClient.connect({ host: '127.0.0.1', port: coordinator.port, token: undefined, heartbeatIntervalMs: 60_000 }, hello);
    cleanup.push(() => client.close(), () => coordinator.wss.close());
    return { client, ...coordinator };
  }

  it('sends step reports once they have waited 50 ms, in order, in one write to the socket', async () => {
    const { client, received } = await connected();
    // Writable's implementer API: a corked socket hands everything written meanwhile to _writev at once.
    const writes = vi.spyOn(Socket.prototype as unknown as { _write: () => void }, '_write');
    const writevs = vi.spyOn(Socket.prototype as unknown as { _writev: () => void }, '_writev');
    cleanup.push(() => vi.restoreAllMocks());
    for (const step of [0, 1, 2]) client.send(report(step));
    await sleep(15);
    expect(received).toEqual([]); // still queued
    await until(() => received.length === 3);
    expect(steps(received)).toEqual([0, 1, 2]);
    expect(writes).not.toHaveBeenCalled();
    expect(writevs).toHaveBeenCalledTimes(1);
  });

  it('sends at once when eight reports are queued', async () => {
    const { client, received } = await connected();
    for (let step = 0; step < 8; step++) client.send(report(step));
    await until(() => received.length === 8);
    expect(steps(received)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('sends the queued reports before any other message, so the coordinator sees the order they were sent in', async () => {
    const { client, received } = await connected();
    client.send(report(0));
    client.send(report(1));
    client.send(evaluation);
    await until(() => received.length === 3);
    expect(steps(received)).toEqual([0, 1, 'evaluation']);
    client.send(report(2));
    await client.flush({ type: 'done', v: PROTOCOL_VERSION, rank: 0, generation: 0, steps: 3, paramHash: 'a'.repeat(64), computeMs: 1, commMs: 1, trainMs: 3 });
    await until(() => received.length === 5);
    expect(steps(received)).toEqual([0, 1, 'evaluation', 2, 'done']);
  });

  it('sends the queued reports when it closes', async () => {
    const { client, received } = await connected();
    client.send(report(7));
    client.close();
    await until(() => received.length === 1);
    expect(steps(received)).toEqual([7]);
  });
});
