// 10,000 random and mutated inputs against a running job - its coordinator's control port and a worker's data
// port - while it trains. Nothing may crash, and the job must end with exactly the parameters of an undisturbed
// run of the same config (training is deterministic, so any input that leaked into it would show in the hash).

import { connect } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { leftovers, startCli } from './cli-process.js';
import { controlInput, dataPlaneInput, prng, type ControlInput } from './fuzz-inputs.js';

const TOKEN = 'fuzz-token';
// The job must outlast the 10,000 inputs (it trains while they arrive). Its length is set in steps, so it is
// kept on the XNNPACK kernels (--blas off), whose speed it was sized for, with an epoch to spare: with the
// native kernels 2 epochs ended before the last inputs went out.
const RUN = ['launch', '--nproc-per-node', '2', '--epochs', '3', '--batch-size', '16', '--blas', 'off', '--token', TOKEN];
const CONTROL_INPUTS = 8000;
const DATA_INPUTS = 2000;
const CONCURRENCY = 16;

function summaryOf(dir: string): { status: string; param_hashes: string[]; steps: number } {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { status: string; param_hashes: string[]; steps: number };
}

/** Sends one input on a fresh control connection; resolves when the coordinator answered or closed it ('silent' after 5 s). */
function sendControl(port: number, input: ControlInput): Promise<'answered' | 'refused' | 'unreachable' | 'silent'> {
  return new Promise((resolve) => {
    const headers = input.token === 'none' ? {} : { 'x-ringtrain-token': input.token === 'right' ? TOKEN : 'guess' };
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers, perMessageDeflate: false, maxPayload: 1 << 20 });
    const timer = setTimeout(() => (ws.terminate(), resolve('silent')), 5000);
    ws.on('open', () => ws.send(input.data, { binary: typeof input.data !== 'string' }));
    ws.on('unexpected-response', (_req, res) => (clearTimeout(timer), res.resume(), ws.terminate(), resolve(res.statusCode === 401 ? 'refused' : 'answered')));
    ws.on('close', () => (clearTimeout(timer), resolve('answered')));
    ws.on('error', (err: NodeJS.ErrnoException) => (clearTimeout(timer), resolve(err.code === 'ECONNREFUSED' ? 'unreachable' : 'answered')));
  });
}

/** Writes raw bytes to a data-plane port; resolves when the listener answered or closed (or after 1 s). */
function sendData(port: number, bytes: Buffer): Promise<'answered' | 'unreachable'> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (how: 'answered' | 'unreachable') => (clearTimeout(timer), socket.destroy(), resolve(how));
    const timer = setTimeout(() => done('answered'), 1000);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', () => done('answered'));
    socket.on('close', () => done('answered'));
    socket.on('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'unreachable' : 'answered'));
  });
}

async function pool(count: number, send: (i: number) => Promise<string>): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const outcome = await send(next++);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
    }),
  );
  return outcomes;
}

describe('fuzzing a running job', () => {
  it('10,000 hostile inputs on both planes: no crash, and the run ends with an undisturbed run\'s parameters', async () => {
    const quiet = mkdtempSync(join(tmpdir(), 'ringtrain-fuzz-ref-'));
    const reference = startCli([...RUN, '--out', quiet], 'fuzz-reference');
    expect(await reference.exited).toBe(0);

    const out = mkdtempSync(join(tmpdir(), 'ringtrain-fuzz-'));
    const run = startCli([...RUN, '--out', out], 'fuzz-run', {}, 300_000);
    const [, control] = await run.waitFor(/coordinator on 127\.0\.0\.1:(\d+)/);
    await run.waitFor(/all 2 workers arrived/);
    const [, data] = await run.waitFor(/\[rank 1\] rank 1\/2 .* data plane 127\.0\.0\.1:(\d+)/);

    const random = prng(20261128);
    const inputs = Array.from({ length: CONTROL_INPUTS }, () => controlInput(random));
    const [controlOutcomes, dataOutcomes] = await Promise.all([
      pool(CONTROL_INPUTS, (i) => sendControl(Number(control), inputs[i]!)),
      pool(DATA_INPUTS, () => sendData(Number(data), dataPlaneInput(random, TOKEN, Number(data)))),
    ]);

    expect(await run.exited).toBe(0);
    expect(await leftovers('fuzz-run')).toEqual([]);
    // Every input reached a live process: the job was still running when the last one went out.
    expect(controlOutcomes.unreachable ?? 0).toBe(0);
    expect(controlOutcomes.silent ?? 0).toBe(0); // every input was refused (reply and close), none ignored
    expect(dataOutcomes.unreachable ?? 0).toBe(0);
    expect(Object.values(controlOutcomes).reduce((a, b) => a + b, 0) + Object.values(dataOutcomes).reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(controlOutcomes.refused).toBeGreaterThan(0); // the upgrades without the right token
    const s = summaryOf(out);
    expect(s.status).toBe('ok');
    expect(s.param_hashes).toEqual(summaryOf(quiet).param_hashes);
    expect(run.stdout()).toMatch(/refused a control connection from 127\.0\.0\.1:\d+: it presented a wrong token/);
    // The inputs reached the decoder and the state machine, and were refused there with stable codes.
    for (const code of ['E_PROTOCOL', 'E_UNKNOWN_MESSAGE', 'E_VERSION', 'E_OVERSIZE']) {
      expect(run.stdout(), code).toMatch(new RegExp(`connection \\d+ from 127\\.0\\.0\\.1:\\d+ rejected: ${code}: `));
    }
    expect(run.stdout()).toMatch(/rejected: E_PROTOCOL: the run is full/);
    // The worker logs refused data-plane links with their code (rate-limited: a flood does not bury the log).
    expect(run.stdout()).toMatch(/\[rank 1\] data plane: E_AUTH: link from 127\.0\.0\.1:\d+ presented (no token|a wrong token)/);
    expect(run.stdout().match(/\[rank 1\] data plane: /g)!.length).toBeLessThan(200);
  }, 300_000);
});
