// `ringtrain schedule` through the real binary: the flags reach buildSchedule with the run-length defaults
// (--t-max from --steps, --t0 from --steps-per-epoch) and --json carries every value exactly.
import { describe, expect, it } from 'vitest';
import { buildSchedule } from '@ringtrain/optim';
import { expectUsageError, runCli } from '../testing/run-cli.js';

async function scheduleJson(args: string[]): Promise<number[]> {
  const { code, stdout, stderr } = await runCli(['schedule', ...args, '--json']);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(stdout) as number[];
}

describe.concurrent('ringtrain schedule', { timeout: 30_000 }, () => {
  it('cosine with warmup: --t-max defaults to --steps minus the warmup', async () => {
    const lrs = await scheduleJson(['--scheduler', 'cosine', '--lr', '0.1', '--eta-min', '0.001', '--warmup-steps', '3', '--steps', '20']);
    expect(lrs).toEqual(Array.from({ length: 20 }, (_, t) => buildSchedule({ lr: 0.1, scheduler: 'cosine', etaMin: 0.001, warmupSteps: 3, tMax: 17 })(t)));
    // Warmup t < 3: 0.1·(1/3 + (2/3)·t/3); then the cosine from its own step 0 with T_max = 20 - 3 = 17:
    // lr(t) = 0.001 + 0.099·(1 + cos(π·(t-3)/17))/2, so the last step t = 19 is one step short of η_min.
    expect(lrs[0]).toBeCloseTo(0.1 / 3, 15);
    expect(lrs[3]).toBeCloseTo(0.1, 15);
    expect(lrs[19]).toBeCloseTo(0.001 + (0.099 * (1 + Math.cos((Math.PI * 16) / 17))) / 2, 15);
  });

  it('cosine-restarts: --t0 defaults to --steps-per-epoch, cycles grow by --t-mult', async () => {
    const lrs = await scheduleJson(['--scheduler', 'cosine-restarts', '--lr', '0.05', '--t-mult', '2', '--steps-per-epoch', '4', '--steps', '30']);
    expect(lrs).toEqual(Array.from({ length: 30 }, (_, t) => buildSchedule({ lr: 0.05, scheduler: 'cosine-restarts', t0: 4, tMult: 2 })(t)));
    // Cycles of 4, 8, 16 steps restart at steps 0, 4, 12, 28; the step before a restart is just above η_min = 0:
    // step 11 is T_cur = 7 of T_i = 8, lr = 0.05·(1 + cos(7π/8))/2.
    for (const restart of [0, 4, 12, 28]) expect(lrs[restart]).toBe(0.05);
    expect(lrs[11]).toBeCloseTo((0.05 * (1 + Math.cos((7 * Math.PI) / 8))) / 2, 15);
  });

  it('without --json: a subsampled table of a long run and a plot', async () => {
    const { code, stdout } = await runCli(['schedule', '--scheduler', 'step', '--lr', '0.1', '--step-size', '300', '--steps', '1000']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines).toContain('# 21 of 1000 steps shown, evenly spaced; --json prints every step');
    // Rows at round(i·999/20): i = 6 is step 300 = one decay (0.1·0.1), i = 20 is step 999 = three decays.
    expect(lines).toContain(' 300  0.01');
    expect(lines).toContain(' 999  0.0001');
    expect(lines.filter((line) => /^ *\d+ {2}\S+$/.test(line))).toHaveLength(21);
    expect(stdout).toMatch(/0\.1 ┤[\u2800-\u28ff]{60}\n/);
  });

  it.each([
    { option: '--lr', args: ['--lr', '-0.1'] },
    { option: '--t-max', args: ['--lr', '0.1', '--scheduler', 'cosine', '--t-max', '0'] },
    { option: '--steps', args: ['--lr', '0.1', '--steps', 'ten'] },
    { option: '--scheduler', args: ['--lr', '0.1', '--scheduler', 'linear'] },
  ])('bad $option: exit 2, one line naming it, no stack trace', async ({ option, args }) => {
    expectUsageError(await runCli(['schedule', '--steps', '10', ...args]), option);
  });
});
