// `ringtrain bench scaling` end to end: a real `ringtrain launch` per world size, the table, the JSON, the runs kept
// under --out, and bad input refused with exit code 2.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { leftovers, runCli, startCli } from '../training/cli-process.js';

/** A row of the JSON's results. */
type Row = Record<'workers' | 'steps' | 'step_ms' | 'compute_ms' | 'comm_ms' | 'samples_per_second' | 'speedup' | 'scaling_efficiency', number>;

describe('ringtrain bench scaling', () => {
  it('trains 1 and 2 workers, prints a row each and writes the JSON; every run stays in --out (torchrun variables in the environment change nothing)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringtrain-scaling-'));
    const file = join(dir, 'scaling.json');
    const args = ['bench', 'scaling', '--workers', '2,1', '--model', 'linear', '--batch-size', '256', '--json', file, '--out', join(dir, 'runs')];
    // Variables of a multi-node torchrun job around the bench: its runs are local all the same.
    const { code, stdout, stderr } = await runCli(args, 'scaling', { PET_NNODES: '2', PET_NODE_RANK: '1', PET_RDZV_ENDPOINT: '192.0.2.1:29500' });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('# ringtrain scaling: model linear, dataset mnist, batch 256 per worker x 1 accumulation step(s), 1 epoch(s), --backend auto, --bind-to core,');
    expect(stdout).toMatch(/workers\s+steps\s+step\(ms\)\s+compute\(ms\)\s+comm\(ms\)\s+samples\/s\s+speedup\s+efficiency\n\s+1\s+27\s.*100\.0%\n\s+2\s+11\s/);
    const { results, config } = JSON.parse(readFileSync(file, 'utf8')) as { results: Row[]; config: Record<string, unknown> };
    expect(config).toMatchObject({ model: 'linear', 'batch-size': 256, epochs: 1 });
    // Smallest world size first. Steps after the 5 of warmup: 1 worker, ceil(8000/256) = 32 steps -> 27; 2 workers,
    // ceil(4000/256) = 16 -> 11.
    expect(results.map((r) => [r.workers, r.steps])).toEqual([[1, 27], [2, 11]]);
    // The timed steps' samples: 1 worker, 26 full batches of 256 and the last of 8000 - 31·256 = 64 -> 6720; 2 workers,
    // 10 full global batches of 512 and the last of 2 · (4000 - 15·256) = 320 -> 5440. samples/s times the timed
    // steps' total time gives them back.
    const samples = results.map((r) => (r.samples_per_second * r.step_ms * r.steps) / 1000);
    expect(samples[0]).toBeCloseTo(6720, 6);
    expect(samples[1]).toBeCloseTo(5440, 6);
    const [one, two] = results as [Row, Row];
    expect([one.speedup, one.scaling_efficiency]).toEqual([1, 1]);
    expect(two.speedup).toBeCloseTo(two.samples_per_second / one.samples_per_second, 12);
    expect(two.scaling_efficiency).toBeCloseTo(two.speedup / 2, 12);
    // One worker does not communicate; two do. A step record takes each timing's maximum over the ranks, and a rank's
    // step covers its compute and its communication, so the step is at least either.
    expect(one.comm_ms).toBeLessThan(0.1);
    expect(two.comm_ms).toBeGreaterThan(0);
    for (const r of results) expect(r.step_ms).toBeGreaterThanOrEqual(Math.max(r.compute_ms, r.comm_ms));
    for (const workers of [1, 2]) {
      const runDir = join(dir, 'runs', `workers-${workers}`);
      for (const name of ['config.json', 'launch.log', 'metrics.jsonl', 'summary.json']) expect(existsSync(join(runDir, name))).toBe(true);
      expect(JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'))).toMatchObject({ world_size: workers, status: 'ok' });
    }
  });

  it('refuses bad input with exit code 2 and one line: a world size, --resume, an unwritable --json, a warmup that leaves no step, a run that refuses its dataset', async () => {
    const refused = async (args: string[], line: string | RegExp) => {
      const { code, stderr } = await runCli(['bench', 'scaling', ...args], 'scaling-bad-input');
      expect(code).toBe(2);
      expect(stderr.split('\n')).toHaveLength(2); // one line and the final newline
      expect(stderr).toMatch(line);
    };
    await refused(['--workers', '0,2'], 'ringtrain: E_INVALID_ARGUMENT: --workers: "0" must be an integer from 1 to 64\n');
    await refused(['--resume', '/tmp/x.ckpt'], 'ringtrain: E_INVALID_ARGUMENT: --resume: every world size trains the same run from its start; nothing to resume\n');
    await refused(['--json', '/nonexistent/dir/s.json'], /^ringtrain: E_INVALID_ARGUMENT: --json \/nonexistent\/dir\/s\.json: cannot write it \(ENOENT/);
    await refused(
      ['--workers', '1', '--model', 'linear', '--batch-size', '4000', '--warmup', '2'],
      'ringtrain: E_INVALID_ARGUMENT: the 1-worker run has 2 steps, none after the first 2 (--warmup): train longer or lower --warmup\n',
    );
    // The run's own error, from the rank that met it, and where its whole log is.
    await refused(
      ['--workers', '1', '--model', 'linear', '--dataset', 'idx:/nonexistent'],
      /^ringtrain: E_INVALID_ARGUMENT: the 1-worker run failed with exit status 2: rank 0: E_INVALID_ARGUMENT: idx dataset directory \/nonexistent does not exist \(its log: .*workers-1\/launch\.log\)\n$/,
    );
  });

  it('SIGTERM stops the run in progress and its workers, and the bench exits with status 143', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringtrain-scaling-'));
    const cli = startCli(['bench', 'scaling', '--workers', '2', '--model', 'cnn', '--epochs', '5', '--out', dir], 'scaling-sigterm');
    // Wait until the run trains (its first step record), then stop the bench alone.
    const metrics = join(dir, 'workers-2', 'metrics.jsonl');
    for (let i = 0; i < 600 && !(existsSync(metrics) && readFileSync(metrics, 'utf8').includes('step_ms')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(metrics, 'utf8')).toContain('step_ms');
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(143);
    const summary = JSON.parse(readFileSync(join(dir, 'workers-2', 'summary.json'), 'utf8')) as { status: string };
    expect(summary.status).not.toBe('ok');
    // No process of the run is left: none started with the test's marker (the launch and its workers inherit it), and
    // in particular not the workers whose pids the launch's log names when they join.
    expect(await leftovers('scaling-sigterm')).toEqual([]);
    const pids = [...new Set([...readFileSync(join(dir, 'workers-2', 'launch.log'), 'utf8').matchAll(/\(pid (\d+),/g)].map((m) => Number(m[1])))];
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });
});
