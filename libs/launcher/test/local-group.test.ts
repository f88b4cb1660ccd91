import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { launchWorkers } from '../src/index.js';
import { expectAllGone, fixture, isRunning, linesOf, startGroup } from './harness.js';

// The harness runs the workers as node 1 of 2 with 2 or 3 processes per node: local rank l is global rank
// nprocPerNode + l.

describe('launchWorkers', () => {
  it('runs every worker with its torchrun environment and succeeds when all exit 0', async () => {
    const { group, lines, pids } = startGroup([['print-env.mjs'], ['print-env.mjs']]);
    expect(pids.size).toBe(2);
    const result = await group.done;
    expect(result).toEqual({
      ok: true,
      exitCode: 0,
      failures: [],
      exits: [
        { localRank: 0, rank: 2, exitCode: 0, signal: null },
        { localRank: 1, rank: 3, exitCode: 0, signal: null },
      ],
      restarts: 0,
      stoppedBy: null,
    });
    expect(linesOf(lines, 0)).toEqual(['RANK=2 WORLD_SIZE=4 LOCAL_RANK=0 LOCAL_WORLD_SIZE=2 GROUP_RANK=1']);
    expect(linesOf(lines, 1)).toEqual(['RANK=3 WORLD_SIZE=4 LOCAL_RANK=1 LOCAL_WORLD_SIZE=2 GROUP_RANK=1']);
    expectAllGone(pids);
  });

  it('stops the others when one exits 3: SIGTERM first, SIGKILL after the grace period for one that ignores it', async () => {
    const gracePeriodMs = 400;
    const { group, lines, ready, pids } = startGroup([['exit-on-sigusr2.mjs', '3'], ['sleep.mjs'], ['ignore-sigterm.mjs']], { gracePeriodMs });
    await ready;
    const failedAt = Date.now();
    process.kill(group.pids[0]!, 'SIGUSR2');
    const result = await group.done;
    expect(Date.now() - failedAt).toBeGreaterThanOrEqual(gracePeriodMs);
    expect(result.ok).toBe(false);
    expect(result.exitCode).toBe(3);
    expect(result.failures).toEqual([{ localRank: 0, rank: 3, exitCode: 3, signal: null }]);
    expect(result.exits).toEqual([
      { localRank: 0, rank: 3, exitCode: 3, signal: null },
      { localRank: 1, rank: 4, exitCode: 143, signal: 'SIGTERM' }, // 128 + 15
      { localRank: 2, rank: 5, exitCode: 137, signal: 'SIGKILL' }, // 128 + 9
    ]);
    expect(linesOf(lines, 2)).toEqual(['ready', 'ignoring SIGTERM']);
    expectAllGone(pids);
  });

  it('prefixes every line with the global rank by default, including an unterminated last line', async () => {
    const written: string[] = [];
    const capture = (chunk: string | Uint8Array): boolean => written.push(String(chunk)) > 0;
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => capture(`stderr: ${String(chunk)}`));
    try {
      const { group, pids } = startGroup([['partial-lines.mjs']], { onLine: undefined });
      expect((await group.done).ok).toBe(true);
      expectAllGone(pids);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    expect(written.filter((w) => !w.startsWith('stderr: '))).toEqual(['[rank 1] first\n', '[rank 1] café\n', '[rank 1] no line break at the end\n']);
    expect(written.filter((w) => w.startsWith('stderr: '))).toEqual(['stderr: [rank 1] to stderr\n']);
  });

  it('stop() signals every worker and reports 128 + the signal', async () => {
    const { group, ready, pids } = startGroup([['sleep.mjs'], ['sleep.mjs']]);
    await ready;
    group.stop('SIGINT');
    const result = await group.done;
    expect(result).toMatchObject({ ok: false, exitCode: 130, failures: [], stoppedBy: 'SIGINT' }); // 128 + 2
    expect(result.exits.map((e) => e.signal)).toEqual(['SIGINT', 'SIGINT']);
    group.stop(); // after done: nothing left to signal, nothing thrown
    expectAllGone(pids);
  });

  it('forwards a SIGTERM the launcher receives and removes its handlers when done', async () => {
    const listeners = () => ['SIGINT', 'SIGTERM', 'exit'].map((event) => process.listenerCount(event));
    const before = listeners();
    const { group, ready, pids } = startGroup([['sleep.mjs']]);
    expect(listeners()).toEqual(before.map((count) => count + 1));
    await ready;
    process.emit('SIGTERM', 'SIGTERM');
    const result = await group.done;
    expect(result).toMatchObject({ ok: false, exitCode: 143, stoppedBy: 'SIGTERM' });
    expect(listeners()).toEqual(before);
    expectAllGone(pids);
  });

  it('restarts only the failed worker, with RINGTRAIN_RESTART_COUNT, and keeps the others running', async () => {
    const { group, lines, pids } = startGroup([['fail-unless-restarted.mjs'], ['sleep.mjs']], { maxRestarts: 1 });
    const [, sleeperPid] = group.pids;
    await vi.waitFor(() => expect(linesOf(lines, 0)).toEqual(['restart count unset', 'restart count 1']));
    await vi.waitFor(() => expect(linesOf(lines, 1)).toEqual(['ready']));
    group.pids.forEach((pid) => pids.add(pid));
    // The restarted rank 0 prints its line just before it exits: stop the group only once it has.
    await vi.waitFor(() => expect(isRunning(group.pids[0]!)).toBe(false));
    expect(group.pids[1]).toBe(sleeperPid);
    // Rank 0 ended well after its restart; rank 1 still runs and must be stopped to end the group.
    group.stop();
    const result = await group.done;
    expect(result).toMatchObject({ restarts: 1, failures: [], stoppedBy: 'SIGTERM' });
    expect(result.exits).toEqual([
      { localRank: 0, rank: 2, exitCode: 0, signal: null },
      { localRank: 1, rank: 3, exitCode: 143, signal: 'SIGTERM' },
    ]);
    expect(pids.size).toBe(3);
    expectAllGone(pids);
  });

  it('succeeds after a restart when every worker ends well', async () => {
    const { group, lines, pids } = startGroup([['fail-unless-restarted.mjs']], { maxRestarts: 1 });
    const result = await group.done;
    expect(result).toEqual({ ok: true, exitCode: 0, failures: [], exits: [{ localRank: 0, rank: 1, exitCode: 0, signal: null }], restarts: 1, stoppedBy: null });
    expect(linesOf(lines, 0)).toEqual(['restart count unset', 'restart count 1']);
    expectAllGone([...pids, ...group.pids]);
  });

  it('fails with the last exit code once the restarts are used up', async () => {
    const { group, lines, pids } = startGroup([['exit-with.mjs', '5']], { maxRestarts: 2 });
    const result = await group.done;
    expect(result).toMatchObject({ ok: false, exitCode: 5, failures: [{ localRank: 0, rank: 1, exitCode: 5, signal: null }], restarts: 2 });
    expect(linesOf(lines, 0)).toEqual(['restart count unset', 'restart count 1', 'restart count 2']);
    expectAllGone([...pids, ...group.pids]);
  });

  it('with keepGoing a worker that fails for good leaves the others running; the last one to end decides the result', async () => {
    const { group, lines, ready, pids } = startGroup([['exit-on-sigusr2.mjs', '3'], ['exit-on-sigusr2.mjs', '0']], { keepGoing: true });
    await ready;
    process.kill(group.pids[0]!, 'SIGUSR2');
    await vi.waitFor(() => expect(isRunning(group.pids[0]!)).toBe(false));
    // Rank 3 was not signalled: it ends on its own later, well, like a survivor of an elastic run.
    expect(isRunning(group.pids[1]!)).toBe(true);
    process.kill(group.pids[1]!, 'SIGUSR2');
    const result = await group.done;
    expect(result).toMatchObject({ ok: true, exitCode: 0, failures: [{ localRank: 0, rank: 2, exitCode: 3, signal: null }] });
    expect(linesOf(lines, 1)).toEqual(['ready']);
    expectAllGone(pids);
  });

  it('with keepGoing the first worker to exit 0 ends the run: one that does not exit (hung) is stopped after the grace period', async () => {
    const gracePeriodMs = 300;
    const { group, ready, pids } = startGroup([['exit-on-sigusr2.mjs', '0'], ['ignore-sigterm.mjs']], { keepGoing: true, gracePeriodMs });
    await ready;
    process.kill(group.pids[0]!, 'SIGUSR2');
    const result = await group.done;
    // SIGTERM after the grace period, SIGKILL after another one for a worker that ignores it; the run still succeeded.
    expect(result).toMatchObject({ ok: true, exitCode: 0, failures: [], stoppedBy: null });
    expect(result.exits[1]).toMatchObject({ localRank: 1, exitCode: 137, signal: 'SIGKILL' });
    expectAllGone(pids);
  });

  it('reports workers that cannot start as exit status 127', async () => {
    const { group, pids } = startGroup([['sleep.mjs'], ['sleep.mjs']], { command: '/nonexistent/ringtrain-worker' });
    const result = await group.done;
    expect(result).toMatchObject({ ok: false, exitCode: 127, restarts: 0 });
    const startError = 'spawn /nonexistent/ringtrain-worker ENOENT';
    expect(result.exits).toEqual([
      { localRank: 0, rank: 2, exitCode: 127, signal: null, startError },
      { localRank: 1, rank: 3, exitCode: 127, signal: null, startError },
    ]);
    expect(result.failures).toHaveLength(2); // neither was ever signalled, so both failed on their own
    expect(pids.size).toBe(0);
  });

  it('SIGKILLs its workers when the launcher process exits', async () => {
    const launcher = spawn(process.execPath, ['--import', 'tsx', fixture('exiting-launcher.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    launcher.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
    await once(launcher, 'close');
    const pid = Number(/worker pid (\d+)/.exec(output)?.[1]);
    expect(pid).toBeGreaterThan(0);
    // The worker outlived its parent only as a zombie (init reaps it later), so it counts as ended.
    await vi.waitFor(() => expect(isRunning(pid)).toBe(false), { timeout: 1000 });
  });

  it('rejects invalid options before starting anything', () => {
    const options = { nprocPerNode: 1, command: process.execPath, args: () => [], env: () => ({}) };
    expect(() => launchWorkers({ ...options, nprocPerNode: 0 })).toThrow('nprocPerNode must be an integer >= 1, got 0');
    expect(() => launchWorkers({ ...options, gracePeriodMs: -1 })).toThrow('gracePeriodMs must be an integer >= 0, got -1');
    expect(() => launchWorkers({ ...options, maxRestarts: 0.5 })).toThrow('maxRestarts must be an integer >= 0, got 0.5');
  });
});
