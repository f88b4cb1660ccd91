// What a user gets wrong when starting a run, end to end: each case ends with a clear error naming the cause,
// a non-zero exit, no hang and no process left behind.

import { describe, expect, it } from 'vitest';
import { freePort, leftovers, startCli } from './cli-process.js';

const CONNECT_FAST = ['--connect-timeout', '3'];

describe('bad input to a run', () => {
  it.each([
    [['launch', '--nproc-per-node', '2', '--min-workers', '3'], '--min-workers 3 must not exceed the world size (2)'],
    [['coordinator', '--port', '0', '--world-size', '3', '--max-workers', '2'], '--max-workers 2 must be at least the world size (3)'],
    [['launch', '--nnodes', '2', '--rdzv-endpoint', '127.0.0.1:29500', '--token', 't'], '--data-plane-host ADDR is required with --nnodes > 1'],
    [['launch', '--nnodes', '2', '--rdzv-endpoint', '127.0.0.1:29500', '--data-plane-host', '127.0.0.1'], 'multi-node runs need a shared secret'],
    [['coordinator', '--port', '0', '--world-size', '2', '--host', '0.0.0.0'], '--host 0.0.0.0 listens beyond this machine: set --token'],
    [['worker', '--rdzv-endpoint', '127.0.0.1:1', '--data-plane-host', '0.0.0.0'], '--data-plane-host 0.0.0.0 listens beyond this machine'],
  ])('refuses %j before starting anything: exit 2 and one line', async (args, message) => {
    const cli = startCli(args, 'refused-options');
    expect(await cli.exited).toBe(2);
    expect(cli.stdout()).toBe('');
    expect(cli.stderr().split('\n')[0]).toContain(message);
    expect(cli.stderr()).not.toContain('    at ');
  });

  it('a dataset that cannot be read: exit 2 naming it, from the launcher, within seconds', async () => {
    const cli = startCli(['launch', '--nproc-per-node', '2', '--dataset', 'idx:/nonexistent/fashion', '--rendezvous-timeout', '60'], 'bad-dataset');
    const code = await cli.exited;
    expect(code).toBe(2);
    expect(cli.stdout()).toMatch(/\[rank [01]\] error: E_INVALID_ARGUMENT: .*\/nonexistent\/fashion/);
    expect(cli.stdout() + cli.stderr()).not.toContain('    at ');
    expect(await leftovers('bad-dataset')).toEqual([]);
  });

  it('a coordinator that is not up: the worker retries with backoff, then fails naming the endpoint', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const cli = startCli(['worker', '--rdzv-endpoint', `127.0.0.1:${port}`, ...CONNECT_FAST], 'no-coordinator');
    expect(await cli.exited).toBe(1);
    expect(Date.now() - t0).toBeGreaterThan(2500);
    expect(cli.stdout()).toMatch(new RegExp(`E_CONNECT: cannot reach coordinator at 127\\.0\\.0\\.1:${port}: .*gave up after \\d+ attempts`));
  });

  it('SIGTERM stops a worker that is still waiting for its coordinator at once, with exit 143', async () => {
    const port = await freePort();
    const cli = startCli(['worker', '--rdzv-endpoint', `127.0.0.1:${port}`, '--connect-timeout', '120'], 'stop-waiting');
    await cli.waitFor(/connecting to the coordinator at 127\.0\.0\.1:\d+/); // its signal handlers are in place
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(143);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(cli.stdout()).toContain('E_ABORTED: stopped by SIGTERM');
  });

  it('a worker started after its coordinator came up late still joins (rendezvous retries)', async () => {
    const port = await freePort();
    const worker = startCli(['worker', '--rdzv-endpoint', `127.0.0.1:${port}`, '--token', 'late'], 'late-coordinator');
    await new Promise((r) => setTimeout(r, 1500));
    const coordinator = startCli(['coordinator', '--port', String(port), '--world-size', '1', '--token', 'late', '--epochs', '1', '--batch-size', '256'], 'late-coordinator');
    expect(await coordinator.exited).toBe(0);
    expect(await worker.exited).toBe(0);
    expect(coordinator.stdout()).toMatch(/done: 32 steps on 1 worker/);
  });

  it('a wrong token: refused at the upgrade with a clear reason on both sides; the coordinator keeps waiting', async () => {
    const coordinator = startCli(['coordinator', '--port', '0', '--world-size', '1', '--token', 'right', '--rendezvous-timeout', '30', '--epochs', '1', '--batch-size', '256'], 'wrong-token');
    const [, port] = await coordinator.waitFor(/coordinator on 127\.0\.0\.1:(\d+)/);
    const intruder = startCli(['worker', '--rdzv-endpoint', `127.0.0.1:${port}`, '--token', 'wrong', ...CONNECT_FAST], 'wrong-token');
    expect(await intruder.exited).toBe(1);
    expect(intruder.stdout()).toMatch(/E_AUTH: coordinator at 127\.0\.0\.1:\d+ refused the connection: HTTP 401: E_AUTH: .*a wrong token/);
    await coordinator.waitFor(/refused a control connection from 127\.0\.0\.1:\d+: it presented a wrong token/);
    // The coordinator is unaffected: an honest worker still runs the job.
    const honest = startCli(['worker', '--rdzv-endpoint', `127.0.0.1:${port}`, '--token', 'right'], 'wrong-token');
    expect(await honest.exited).toBe(0);
    expect(await coordinator.exited).toBe(0);
    expect(await leftovers('wrong-token')).toEqual([]);
  });

  it('two workers claiming the same rank: the second is refused with E_DUPLICATE_RANK and the run fails', async () => {
    const coordinator = startCli(['coordinator', '--port', '0', '--world-size', '2', '--token', 't'], 'duplicate-rank');
    const [, port] = await coordinator.waitFor(/coordinator on 127\.0\.0\.1:(\d+)/);
    const same = { LOCAL_RANK: '0', LOCAL_WORLD_SIZE: '2', GROUP_RANK: '0' };
    const first = startCli(['worker', '--rdzv-endpoint', `127.0.0.1:${port}`, '--token', 't'], 'duplicate-rank', same);
    await coordinator.waitFor(/joined \(1 of 2\)/);
    const second = startCli(['worker', '--rdzv-endpoint', `127.0.0.1:${port}`, '--token', 't'], 'duplicate-rank', same);
    expect(await second.exited).not.toBe(0);
    expect(second.stdout()).toMatch(/E_DUPLICATE_RANK/);
    expect(await coordinator.exited).toBe(2);
    expect(coordinator.stderr()).toMatch(/E_DUPLICATE_RANK/);
    expect(await first.exited).not.toBe(0);
    expect(await leftovers('duplicate-rank')).toEqual([]);
  });

  it('nodes started with different configs: refused with E_CONFIG_MISMATCH, both launchers exit non-zero', async () => {
    const port = await freePort();
    const node = (rank: number, lr: string) =>
      startCli(['launch', '--nnodes', '2', '--node-rank', String(rank), '--nproc-per-node', '1', '--rdzv-endpoint', `127.0.0.1:${port}`, '--data-plane-host', '127.0.0.1', '--token', 'n', '--lr', lr], 'config-mismatch');
    const zero = node(0, '0.1');
    await zero.waitFor(/coordinator on/);
    const one = node(1, '0.2');
    const [a, b] = await Promise.all([zero.exited, one.exited]);
    expect(a).not.toBe(0);
    expect(b).not.toBe(0);
    expect(zero.stderr()).toMatch(/E_CONFIG_MISMATCH: .*config/);
    expect(one.stdout()).toMatch(/E_CONFIG_MISMATCH/);
    expect(await leftovers('config-mismatch')).toEqual([]);
  });
});

describe('a hung coordinator', () => {
  it('is noticed within --heartbeat-timeout (heartbeats go both ways): every worker stops, the first to notice names it', async () => {
    const coordinator = startCli(['coordinator', '--port', '0', '--world-size', '2', '--token', 'h', '--epochs', '5'], 'hung-coordinator');
    const [, port] = await coordinator.waitFor(/coordinator on 127\.0\.0\.1:(\d+)/);
    const worker = (local: string) =>
      startCli(['worker', '--rdzv-endpoint', `127.0.0.1:${port}`, '--token', 'h', '--heartbeat-timeout', '3'], 'hung-coordinator', { LOCAL_RANK: local, LOCAL_WORLD_SIZE: '2' });
    const workers = [worker('0'), worker('1')];
    await coordinator.waitFor(/all 2 workers arrived/);
    await new Promise((r) => setTimeout(r, 1000));
    coordinator.child.kill('SIGSTOP');
    const t0 = Date.now();
    try {
      const codes = await Promise.all(workers.map((w) => w.exited));
      expect(codes).toEqual([1, 1]);
      expect(Date.now() - t0).toBeLessThan(15_000);
      // The first to notice names the coordinator; its ring neighbour may instead see it leave (E_PEER_CLOSED).
      const noticed = workers.filter((w) => /E_TIMEOUT: the coordinator at 127\.0\.0\.1:\d+ sent nothing for \d+ s/.test(w.stdout()));
      expect(noticed.length).toBeGreaterThanOrEqual(1);
      for (const w of workers) expect(w.stdout()).toMatch(/error: (E_TIMEOUT: the coordinator|E_PEER_CLOSED)/);
    } finally {
      coordinator.child.kill('SIGKILL');
    }
    await coordinator.exited;
    expect(await leftovers('hung-coordinator')).toEqual([]);
  });
});

describe('a stalled worker', () => {
  it('SIGSTOP: the coordinator names it within --heartbeat-timeout, ends the run, and nothing is left behind', async () => {
    const cli = startCli(['launch', '--nproc-per-node', '2', '--epochs', '5', '--heartbeat-timeout', '3'], 'stalled-worker');
    const [, pid] = await cli.waitFor(/worker \S+ \(pid (\d+), node rank 0, local rank 1\) joined/);
    await cli.waitFor(/step 20\/\d+/);
    process.kill(Number(pid), 'SIGSTOP');
    const t0 = Date.now();
    const code = await cli.exited;
    expect(code).not.toBe(0);
    expect(Date.now() - t0).toBeLessThan(20_000); // 3 s to notice, the launcher's grace period to SIGKILL it
    expect(cli.stderr()).toMatch(new RegExp(`E_WORKER_FAILED: rank 1 \\(\\S+, pid ${pid}\\) sent nothing for \\d+ ms \\(at step \\d+\\)`));
    expect(await leftovers('stalled-worker')).toEqual([]);
  });
});
