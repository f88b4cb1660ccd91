// A ring that loses a rank mid-epoch: the survivors roll back to the last commit, re-shard the rest of the epoch
// and go on with the global batch the run was planned for (or a linearly scaled LR), in one process over the
// in-memory transport. The coordinator's side (who commits what, when a reform happens) is tested in
// @ringtrain/coordinator; here a helper commits a step once every rank reported it, as the coordinator does.

import { beforeAll, describe, expect, it } from 'vitest';
import type { RunConfig } from '@ringtrain/config';
import type { Dataset } from '@ringtrain/data';
import { MemoryTransport } from '@ringtrain/transport';
import { train, type StepReport, type TrainingTotals } from '../src/index.js';
import { TrainingSession } from '../src/training-session.js';
import { config, mnistSlice } from './training-fixtures.js';

let dataset: Dataset;
beforeAll(async () => {
  dataset = await mnistSlice(480, 100);
});

interface Generation {
  reports: StepReport[][];
  totals: (TrainingTotals | undefined)[];
  /** Steps every rank reported (the last commit), when the generation stopped. */
  committed: number | undefined;
}

/**
 * Trains `sessions` as one ring generation planned for `plannedWorld` ranks. With `stopAfter`, the ring breaks once
 * rank 0 finished that step (every rank's collectives are cancelled, as when a peer dies).
 */
async function generation(sessions: TrainingSession[], runConfig: RunConfig, plannedWorld: number, stopAfter?: number): Promise<Generation> {
  const transports = MemoryTransport.createGroup(sessions.length);
  const broken = new AbortController();
  const reportsPerStep = new Map<number, number>();
  const result: Generation = { reports: sessions.map(() => []), totals: [], committed: undefined };
  const onStep = (rank: number, report: StepReport): void => {
    result.reports[rank]!.push(report);
    const count = (reportsPerStep.get(report.step) ?? 0) + 1;
    reportsPerStep.set(report.step, count);
    if (count === sessions.length) {
      result.committed = report.step + 1;
      // Commits come back over the network, after the step's snapshot was taken.
      setImmediate(() => sessions.forEach((session) => session.committed(report.step + 1)));
    }
    if (rank === 0 && report.step === stopAfter) broken.abort(new Error('the ring broke'));
  };
  const settled = await Promise.allSettled(
    sessions.map((session, rank) =>
      train({ config: runConfig, transport: transports[rank]!, dataset, session, plannedWorldSize: plannedWorld, signal: broken.signal, hooks: { onStep: (r) => onStep(rank, r) } }),
    ),
  );
  result.totals = settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : undefined));
  if (stopAfter === undefined) settled.forEach((outcome) => expect(outcome.status).toBe('fulfilled'));
  return result;
}

/** 3 ranks train until rank 0 finished step `stopAfter`; rank 2 is lost, ranks 0 and 1 roll back and finish. */
async function loseRank2(runConfig: RunConfig, stopAfter: number): Promise<{ first: Generation; second: Generation; committed: number }> {
  const sessions = [0, 1, 2].map(() => new TrainingSession(runConfig, dataset, { snapshots: true }));
  const first = await generation(sessions, runConfig, 3, stopAfter);
  const committed = first.committed!;
  const survivors = sessions.slice(0, 2);
  survivors.forEach((session) => session.rollBack(committed));
  return { first, second: await generation(survivors, runConfig, 3), committed };
}

/** Per step, the mean over ranks of the ranks' losses: the global batch's loss (equal micro-batch sizes). */
function globalLosses(reports: StepReport[][]): Map<number, number> {
  const losses = new Map<number, number>();
  for (const report of reports[0]!) losses.set(report.step, reports.reduce((sum, rank) => sum + rank.find((r) => r.step === report.step)!.loss, 0) / reports.length);
  return losses;
}

describe('a rollback before the first snapshot (the ring broke during the first broadcast)', () => {
  it('leaves the replica and the position as they were: the next broadcast gives rank 0\'s state', () => {
    const session = new TrainingSession(config({}), dataset, { snapshots: true });
    const before = session.replica.hash();
    session.rollBack(undefined);
    session.rollBack(7);
    expect(session.position).toEqual({ step: 0, epoch: 0, consumed: 0 });
    expect(session.replica.hash()).toBe(before);
  });
});

describe('a rank lost mid-epoch', () => {
  it('3 ranks x accumulation 2 -> 2 ranks x 3: same global batches, same loss curve as the undisturbed run, every sample once', async () => {
    const runConfig = config({ batchSize: 8, accumSteps: 2, epochs: 1 });
    // 480 samples / (8 x 2 x 3 = 48 per step) = 10 steps.
    const undisturbed = await generation([0, 1, 2].map(() => new TrainingSession(runConfig, dataset)), runConfig, 3);
    expect(undisturbed.reports[0]).toHaveLength(10);

    const { first, second, committed } = await loseRank2(runConfig, 4);
    expect(first.totals.every((totals) => totals === undefined)).toBe(true);
    expect(committed).toBeGreaterThanOrEqual(4);

    // The survivors continue at the committed step with 3 micro-batches of 8 each: the global batch stays 48.
    expect(second.reports[0]![0]!.step).toBe(committed);
    expect(second.reports[0]!.every((r) => r.samples === 24)).toBe(true);
    // Committed steps of the first generation plus all of the second: exactly the 480 samples of the epoch.
    const samples = 48 * committed + second.reports.flat().reduce((sum, r) => sum + r.samples, 0);
    expect(samples).toBe(480);
    // Step s covers positions [48s, 48s + 48) of the epoch's order in both worlds, so the elastic run computes the
    // same averaged gradients as the undisturbed one, up to float32 summation order.
    const expected = globalLosses(undisturbed.reports);
    for (const [step, loss] of globalLosses(second.reports)) expect(Math.abs(loss - expected.get(step)!)).toBeLessThan(1e-4);
    expect(second.totals[0]!.steps).toBe(10);
    expect(second.totals[0]!.paramHash).toBe(second.totals[1]!.paramHash);
    expect(second.totals[0]!.evaluation!.testAccuracy).toBeCloseTo(undisturbed.totals[0]!.evaluation!.testAccuracy, 1);
  }, 120_000);

  it('3 ranks x 1 -> 2 ranks x 1: the global batch shrinks, the LR is scaled by 2/3, the rest of the epoch is seen once', async () => {
    const runConfig = config({ batchSize: 16, epochs: 1, scheduler: 'constant', lr: 0.06 });
    const { first, second, committed } = await loseRank2(runConfig, 2);
    expect(first.reports[0]![0]!.lr).toBeCloseTo(0.06, 12);
    expect(second.reports[0]!.every((r) => Math.abs(r.lr - 0.04) < 1e-12)).toBe(true);
    // 480 - 48 x committed samples left, 32 per step (the last one may be short: 16 per rank per full batch).
    expect(second.reports[0]).toHaveLength(Math.ceil((480 - 48 * committed) / 32));
    expect(48 * committed + second.reports.flat().reduce((sum, r) => sum + r.samples, 0)).toBe(480);
    expect(second.totals[0]!.paramHash).toBe(second.totals[1]!.paramHash);
  }, 120_000);

  it('the LR schedule follows training progress: a cosine ends where planned although the shrunk run takes more steps', async () => {
    // Planned: 3 ranks x 16 = 48 per step, 10 steps, cosine from 0.06 to 0 over steps 0..9.
    const runConfig = config({ batchSize: 16, epochs: 1, scheduler: 'cosine', lr: 0.06 });
    const { second, committed } = await loseRank2(runConfig, 3);
    const cosine = (step: number) => 0.03 * (1 + Math.cos((Math.PI * step) / 10));
    // Step s of the second generation starts after 48 x committed + 32 x (s - committed) samples: schedule step
    // floor(samples / 48), the planned step those samples reach; times 2/3 for the smaller global batch.
    for (const r of second.reports[0]!) {
      const samples = 48 * committed + 32 * (r.step - committed);
      expect(r.lr).toBeCloseTo(cosine(Math.floor(samples / 48)) * (2 / 3), 12);
    }
    // More steps than the 10 planned, and the last ones still have a learning rate: the schedule did not run out.
    expect(second.reports[0]!.at(-1)!.step).toBeGreaterThan(9);
    expect(second.reports[0]!.at(-1)!.lr).toBeGreaterThan(0);
  }, 120_000);
});
