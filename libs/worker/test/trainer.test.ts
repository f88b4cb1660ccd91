// The training loop's promises, in one process over the in-memory transport: the replicas stay bit-identical,
// and data parallelism changes nothing but the speed - 1 worker with global batch B and W workers with B/W each
// (or 1 worker accumulating) follow the same loss curve.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '@ringtrain/data';
import type { StepReport } from '../src/index.js';
import { config, mnistSlice, trainRanks } from './training-fixtures.js';

let dataset: Dataset;
beforeAll(async () => {
  // 512 = 16 global batches of 32: every batch is full for 1, 2 and 4 workers, so the runs see the same samples.
  dataset = await mnistSlice(512, 200);
});

/** Per step, the mean over ranks of the ranks' mean losses: the loss of the global batch (equal shard sizes). */
function globalLosses(runs: Awaited<ReturnType<typeof trainRanks>>): number[] {
  return runs[0]!.reports.map((_, step) => runs.reduce((sum, run) => sum + run.reports[step]!.loss, 0) / runs.length);
}

describe('train', () => {
  it('1 worker at batch 32 and 2 workers at batch 16 follow the same loss curve; the 2 replicas end bit-identical', async () => {
    const one = await trainRanks(1, config({ batchSize: 32, epochs: 2 }), dataset);
    const two = await trainRanks(2, config({ batchSize: 16, epochs: 2 }), dataset);
    expect(one[0]!.reports).toHaveLength(32);
    expect(two[0]!.reports).toHaveLength(32);
    const expected = globalLosses(one);
    const actual = globalLosses(two);
    // The loss falls (training works at all) ...
    expect(expected[31]!).toBeLessThan(expected[0]! * 0.5);
    // ... and the curves agree to float32 summation-order noise, step after step.
    actual.forEach((loss, step) => expect(Math.abs(loss - expected[step]!)).toBeLessThan(2e-4 * Math.max(1, expected[step]!)));
    // The gradient norm and LR are global quantities: the same on both ranks, bit for bit.
    two[0]!.reports.forEach((r, step) => expect([r.gradNorm, r.lr]).toEqual([two[1]!.reports[step]!.gradNorm, two[1]!.reports[step]!.lr]));
    expect(two[0]!.totals.paramHash).toBe(two[1]!.totals.paramHash);
    expect(two[0]!.totals.paramHash).not.toBe(one[0]!.totals.paramHash); // not bit-identical across world sizes (summation order) ...
    expect(two[0]!.totals.evaluation!.testAccuracy).toBeCloseTo(one[0]!.totals.evaluation!.testAccuracy, 1); // ... but the same model
    expect(two[0]!.totals.evaluation!.count).toBe(200);
  }, 60_000);

  it('gradient accumulation: 1 worker at batch 16 x 2 micro-batches follows batch 32', async () => {
    const big = await trainRanks(1, config({ batchSize: 32 }), dataset);
    const accumulated = await trainRanks(1, config({ batchSize: 16, accumSteps: 2 }), dataset);
    expect(accumulated[0]!.reports).toHaveLength(16);
    const expected = globalLosses(big);
    globalLosses(accumulated).forEach((loss, step) => expect(Math.abs(loss - expected[step]!)).toBeLessThan(2e-4 * Math.max(1, expected[step]!)));
    expect(accumulated[0]!.reports[0]!.samples).toBe(32);
  }, 60_000);

  it('clipping acts on the averaged gradient: every rank reports the same pre-clip norm and ends identical', async () => {
    const runs = await trainRanks(3, config({ batchSize: 8, clipNorm: 0.5, hashEvery: 4 }), { ...dataset, numTrain: 480, train: { ...dataset.train, size: 480, inputs: dataset.train.inputs.subarray(0, 480 * 784), labels: dataset.train.labels.subarray(0, 480) } });
    const norms = runs.map((run) => run.reports.map((r) => r.gradNorm));
    expect(norms[1]).toEqual(norms[0]);
    expect(norms[2]).toEqual(norms[0]);
    // Early steps of an untrained MLP have gradient norms well above 0.5, so clipping really happened.
    expect(norms[0]![0]!).toBeGreaterThan(0.5);
    const hashes = runs.map((run) => run.reports.filter((r) => r.paramHash).map((r) => r.paramHash));
    expect(hashes[0]!.length).toBe(5); // steps 4, 8, 12, 16 and the last (20)
    expect(hashes[1]).toEqual(hashes[0]);
    expect(hashes[2]).toEqual(hashes[0]);
  }, 60_000);

  it('says in every rank\'s step report when a checkpoint of the step is due: exactly the steps rank 0 writes one after, the last one aside', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ringtrain-due-'));
    try {
      // 512 samples, 2 ranks of batch 16: 16 steps; a checkpoint every 5 steps, after steps 5, 10 and 15, and the last (16).
      const runs = await trainRanks(2, config({ batchSize: 16, checkpointEvery: 5, checkpointDir: dir }), dataset);
      for (const run of runs) expect(run.reports.filter((r) => r.checkpointDue).map((r) => r.step + 1)).toEqual([5, 10, 15]);
      expect((await readdir(dir)).sort()).toEqual(['ckpt-00000005.rtckpt', 'ckpt-00000010.rtckpt', 'ckpt-00000015.rtckpt', 'ckpt-00000016.rtckpt']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("step_ms joins the previous step's clock: time spent between two steps counts in the second, an evaluation does not", async () => {
    const busy = (ms: number) => {
      for (const end = performance.now() + ms; performance.now() < end; );
    };
    const reports: StepReport[] = [];
    // 16 steps an epoch; after step 5 the report hook holds the loop 40 ms, after the first epoch the evaluation 400 ms.
    await trainRanks(1, config({ batchSize: 32, epochs: 2 }), dataset, () => ({
      hooks: {
        onStep: (r) => {
          reports.push(r);
          if (r.step === 5) busy(40);
        },
        onEvaluation: () => busy(400),
      },
    }));
    expect(reports).toHaveLength(32);
    expect(reports[6]!.stepMs).toBeGreaterThanOrEqual(40);
    expect(reports[6]!.stepMs - reports[6]!.computeMs - reports[6]!.commMs).toBeGreaterThanOrEqual(40);
    expect(reports[16]!.stepMs).toBeLessThan(400); // the first step of epoch 2 starts its own clock
  }, 60_000);
});
