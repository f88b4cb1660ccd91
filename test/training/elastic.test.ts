// Elastic runs end to end: real worker processes on loopback lose a member to kill -9, to SIGSTOP, or get it back
// from the launcher (--max-restarts), and the run still finishes with identical replicas. What a user sees is
// checked: exit code, the coordinator's lines, summary.json.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, leftovers, startCli, type CliProcess } from './cli-process.js';

interface Summary {
  world_size: number;
  steps: number;
  global_batch_size: number;
  test_accuracy: number;
  param_hashes: string[];
  restarts: number;
  generation: number;
  status: string;
}

function readSummary(dir: string): Summary {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
}

/** 3 workers x batch 16 x accumulation 2 = 96 per step; on 2 workers accumulation 3 keeps it (adaptToWorld). */
const RUN = ['--nproc-per-node', '3', '--epochs', '2', '--batch-size', '16', '--accum-steps', '2', '--heartbeat-timeout', '3', '--log-every', '5'];

function launch(extra: string[], marker: string): { cli: CliProcess; out: string } {
  const out = mkdtempSync(join(tmpdir(), 'ringtrain-elastic-'));
  return { cli: startCli(['launch', ...RUN, ...extra, '--out', out], marker, {}, 240_000), out };
}

/** The pid of the worker with local rank `local`, from the coordinator's join line. */
async function pidOf(cli: CliProcess, local: number): Promise<number> {
  const [, pid] = await cli.waitFor(new RegExp(`worker \\S+ \\(pid (\\d+), node rank 0, local rank ${local}\\) joined`));
  return Number(pid);
}

/** A launch of RUN plus `extra` whose worker of local rank `local` gets `signal` once step `step` is logged. */
async function withFault(extra: string[], marker: string, fault: { local: number; step: number; signal: NodeJS.Signals }): Promise<{ cli: CliProcess; out: string; victim: number; faultAt: number }> {
  const { cli, out } = launch(extra, marker);
  const victim = await pidOf(cli, fault.local);
  await cli.waitFor(new RegExp(`step ${fault.step}/`));
  process.kill(victim, fault.signal);
  return { cli, out, victim, faultAt: Date.now() };
}

/** Committed steps the reform continued after, and the step the lost worker was at. */
function reformOf(stdout: string): { committed: number; lostAt: number } {
  const m = stdout.match(/disconnected at step (\d+)[^\n]*; 2 of 3 workers left[\s\S]*?continuing after (\d+) committed steps/) ?? stdout.match(/sent nothing for \d+ ms \(at step (\d+)\)[\s\S]*?continuing after (\d+) committed steps/);
  if (m === null) throw new Error(`no reform in the output:\n${stdout}`);
  return { lostAt: Number(m[1]), committed: Number(m[2]) };
}

describe('an elastic run', () => {
  let undisturbed: Summary;

  it('undisturbed: the reference for the runs below', async () => {
    const { cli, out } = launch([], 'elastic-reference');
    expect(await cli.exited).toBe(0);
    undisturbed = readSummary(out);
    expect(undisturbed).toMatchObject({ world_size: 3, generation: 0, global_batch_size: 96, status: 'ok' });
  }, 240_000);

  it('kill -9 of one of 3 workers at a random step: finishes with 2, steps lost at most those since the last commit, accuracy within 1 point', async () => {
    const killAt = 5 * (1 + Math.floor(Math.random() * 8)); // a logged step (--log-every 5) in 5..40
    const { cli, out } = await withFault(['--min-workers', '2'], 'elastic-kill', { local: 1, step: killAt, signal: 'SIGKILL' });
    expect(await cli.exited).toBe(0);
    const s = readSummary(out);
    expect(s).toMatchObject({ world_size: 2, status: 'ok', global_batch_size: 96, restarts: 0 });
    expect(s.generation).toBeGreaterThanOrEqual(1);
    expect(s.param_hashes[1]).toBe(s.param_hashes[0]);
    // Every step the victim reported before dying was committed (the others finished them too), or it died in the
    // step after the last commit: at most that step is redone.
    const { committed, lostAt } = reformOf(cli.stdout());
    expect(lostAt - committed).toBeLessThanOrEqual(1);
    expect(s.steps).toBe(undisturbed.steps); // the global batch was kept, so the step count is the planned one
    expect(Math.abs(s.test_accuracy - undisturbed.test_accuracy)).toBeLessThanOrEqual(0.01);
    expect(await leftovers('elastic-kill')).toEqual([]);
  }, 240_000);

  // With --comm-thread the communication threads' ring breaks with the main one: they leave it and join each new
  // generation (2, then 3 ranks).
  it.each<[string, string[], number]>([
    ['', [], 0],
    [' with --comm-thread', ['--comm-thread'], 6],
  ])('--max-restarts 1%s: the killed worker is restarted and rejoins; the run ends with 3 identical replicas', async (_name, extra, threadLines) => {
    const { cli, out } = await withFault(['--max-restarts', '1', ...extra], 'elastic-restart', { local: 2, step: 10, signal: 'SIGKILL' });
    await cli.waitFor(/worker \S+ \(pid \d+, node rank 0, local rank 2\) joined the running run/);
    expect(await cli.exited).toBe(0);
    // With the thread, each rank of each generation says so: 3 at the start, and 3 again in the last generation at least.
    const said = cli.stdout().match(/gradient buckets averaged on the communication thread/g)?.length ?? 0;
    if (threadLines === 0) expect(said).toBe(0);
    else expect(said).toBeGreaterThanOrEqual(threadLines);
    const s = readSummary(out);
    expect(s).toMatchObject({ world_size: 3, status: 'ok', restarts: 1 });
    expect(s.generation).toBeGreaterThanOrEqual(1);
    expect(new Set(s.param_hashes).size).toBe(1);
    expect(s.param_hashes).toHaveLength(3);
    expect(Math.abs(s.test_accuracy - undisturbed.test_accuracy)).toBeLessThanOrEqual(0.01);
    expect(await leftovers('elastic-restart')).toEqual([]);
  }, 240_000);

  it('SIGSTOP: the stall is named within --heartbeat-timeout, the ring re-forms without it, the stopped process is cleaned up', async () => {
    const { cli, out, victim, faultAt: stoppedAt } = await withFault(['--min-workers', '2'], 'elastic-stall', { local: 1, step: 10, signal: 'SIGSTOP' });
    await cli.waitFor(new RegExp(`rank 1 \\(\\S+, pid ${victim}\\) sent nothing for \\d+ ms \\(at step \\d+\\); 2 of 3 workers left`));
    expect(Date.now() - stoppedAt).toBeLessThan(3_000 + 2_000); // the timeout, plus a tick and some slack for this busy machine
    await cli.waitFor(/generation 1: 2 workers/);
    expect(await cli.exited).toBe(0);
    const s = readSummary(out);
    expect(s).toMatchObject({ world_size: 2, generation: 1, status: 'ok' });
    expect(s.param_hashes[1]).toBe(s.param_hashes[0]);
    expect(await leftovers('elastic-stall')).toEqual([]);
  }, 240_000);

  it('a coordinator killed with -9 and started again with the same command picks the run up: its workers reconnect and finish it', async () => {
    const port = await freePort();
    const out = mkdtempSync(join(tmpdir(), 'ringtrain-elastic-'));
    const coordinatorArgs = ['coordinator', '--port', String(port), '--world-size', '2', '--min-workers', '1', '--token', 'r', '--epochs', '2', '--log-every', '5', '--out', out];
    const first = startCli(coordinatorArgs, 'elastic-coordinator', {}, 240_000);
    await first.waitFor(/waiting for 2 worker/);
    const workers = ['0', '1'].map((local) =>
      startCli(['worker', '--rdzv-endpoint', `127.0.0.1:${port}`, '--token', 'r', '--heartbeat-timeout', '3'], 'elastic-coordinator', { LOCAL_RANK: local, LOCAL_WORLD_SIZE: '2' }, 240_000),
    );
    await first.waitFor(/step 20\//);
    first.child.kill('SIGKILL');
    await first.exited;
    await Promise.all(workers.map((w) => w.waitFor(/lost the coordinator .*; reconnecting/)));
    const again = startCli(coordinatorArgs, 'elastic-coordinator', {}, 240_000);
    await again.waitFor(/picking up the run of .* in generation 0: waiting for its 2 worker\(s\) to come back/);
    expect(await again.exited).toBe(0);
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
    expect(again.stdout()).toMatch(/generation 1: 2 workers \(the coordinator restarted; 2 workers came back\); continuing after \d+ committed steps/);
    const s = readSummary(out);
    expect(s).toMatchObject({ world_size: 2, steps: 250, generation: 1, status: 'ok' }); // 4000 samples per rank / 32 x 2 epochs
    expect(s.param_hashes[1]).toBe(s.param_hashes[0]);
    expect(await leftovers('elastic-coordinator')).toEqual([]);
  }, 240_000);

  it('--nnodes 1:2: the run starts with node 0, and node 1, started later, joins it at the next generation', async () => {
    const port = await freePort();
    const out = mkdtempSync(join(tmpdir(), 'ringtrain-elastic-'));
    const node = (rank: number, extra: string[]) =>
      startCli(
        ['launch', '--nnodes', '1:2', '--node-rank', String(rank), '--nproc-per-node', '1', '--rdzv-endpoint', `127.0.0.1:${port}`, '--data-plane-host', '127.0.0.1', '--epochs', '8', '--batch-size', '64', '--log-every', '5', ...extra],
        'elastic-nodes',
        { RINGTRAIN_TOKEN: 'nodes' },
        240_000,
      );
    // 8 epochs (1000 steps alone, ~5 s): node 1's start-up (a launcher, then a worker, on cores node 0's training
    // keeps busy) must fit in node 0's run; 3 epochs (~2 s) were once not enough.
    const zero = node(0, ['--out', out]);
    await zero.waitFor(/step 10\//);
    const one = node(1, []);
    await zero.waitFor(/generation 1: 2 workers \(\S+ \(pid \d+, node rank 1, local rank 0\) joined\)/);
    expect(await Promise.all([zero.exited, one.exited])).toEqual([0, 0]);
    const s = readSummary(out);
    // Planned for 1 worker x batch 64; with 2 the global batch is 128 (no accumulation to absorb it, LR x 2).
    expect(s).toMatchObject({ world_size: 2, generation: 1, restarts: 1, global_batch_size: 128, status: 'ok' });
    expect(s.param_hashes[1]).toBe(s.param_hashes[0]);
    expect(await leftovers('elastic-nodes')).toEqual([]);
  }, 240_000);
});
