// The scaling bench's arithmetic on hand-made metrics.jsonl records whose figures have closed forms.

import { describe, expect, it } from 'vitest';
import { formatScalingTable, parseStepRecords, runScalingBench, scalingRow, withScaling, type StepRecord } from './scaling.js';

/** A step of `samples` samples that took `stepMs` (compute `computeMs`, the rest comm), as the coordinator records it. */
function step(index: number, samples: number, stepMs: number, computeMs = stepMs): StepRecord {
  return { step: index, step_ms: stepMs, compute_ms: computeMs, comm_ms: stepMs - computeMs, samples_per_second: samples / (stepMs / 1000) };
}

const jsonl = (records: readonly object[]) => records.map((r) => JSON.stringify(r)).join('\n');

describe('parseStepRecords', () => {
  it('keeps the step records in order and leaves out evaluations and blank lines', () => {
    const text = `${jsonl([step(0, 64, 10), { step: 1, epoch: 1, test_loss: 0.3, test_accuracy: 0.9 }, step(1, 64, 12)])}\n\n`;
    expect(parseStepRecords(text, 'm.jsonl').map((r) => r.step)).toEqual([0, 1]);
  });

  it('names the file and line of a broken record', () => {
    expect(() => parseStepRecords(`${jsonl([step(0, 64, 10)])}\n{"step":`, 'run/metrics.jsonl')).toThrow('run/metrics.jsonl:2: not a JSON line');
    expect(() => parseStepRecords(jsonl([{ step: 3, step_ms: 5, compute_ms: 5, comm_ms: null, samples_per_second: 1 }]), 'm.jsonl')).toThrow(
      'm.jsonl:1: a step record without a finite comm_ms',
    );
  });
});

describe('scalingRow', () => {
  it('leaves out the warmup, weighs a short last step by its samples, and averages the timings', () => {
    // Timed: 3 steps of 128 samples in 10, 12, 14 ms and a last step of 32 samples in 4 ms (compute 8, 9, 10, 3 ms).
    // samples/s = (3·128 + 32) / ((10 + 12 + 14 + 4) / 1000) = 416 / 0.040 = 10400; step mean 40/4 = 10 ms,
    // compute mean 30/4 = 7.5 ms, comm mean 10/4 = 2.5 ms. The warmup step (1 s) would have dominated all of them.
    const records = [step(0, 128, 1000), step(1, 128, 10, 8), step(2, 128, 12, 9), step(3, 128, 14, 10), step(4, 32, 4, 3)];
    const row = scalingRow(2, records, 1);
    expect(row.workers).toBe(2);
    expect(row.steps).toBe(4);
    expect(row.samples_per_second).toBeCloseTo(10400, 6);
    expect(row.step_ms).toBeCloseTo(10, 9);
    expect(row.compute_ms).toBeCloseTo(7.5, 9);
    expect(row.comm_ms).toBeCloseTo(2.5, 9);
  });

  it('refuses a warmup that leaves no step, naming the run and the option', () => {
    expect(() => scalingRow(4, [step(0, 64, 10), step(1, 64, 10)], 2)).toThrow('the 4-worker run has 2 steps, none after the first 2 (--warmup)');
  });
});

describe('withScaling', () => {
  it('compares every row with the smallest world size: speedup = samples/s ratio, efficiency = speedup · base / workers', () => {
    const row = (workers: number, samplesPerSecond: number) => ({ workers, steps: 10, step_ms: 1, compute_ms: 1, comm_ms: 0, samples_per_second: samplesPerSecond });
    // 2 workers as the base at 1000 samples/s; 4 workers at 1500: speedup 1.5, efficiency 1.5 · 2 / 4 = 0.75; 8 at 4000: 4 and 1.
    const rows = withScaling([row(4, 1500), row(2, 1000), row(8, 4000)]);
    expect(rows.map((r) => [r.workers, r.speedup, r.scaling_efficiency])).toEqual([
      [4, 1.5, 0.75],
      [2, 1, 1],
      [8, 4, 1],
    ]);
  });
});

describe('runScalingBench', () => {
  it('runs the world sizes from the smallest up, once each, and reports each row as it ends', async () => {
    const trained: number[] = [];
    const seen: number[] = [];
    // Each world size's steps: `workers` · 100 samples in 10 ms, so samples/s = workers · 10000 (linear scaling).
    const rows = await runScalingBench({
      workers: [4, 1, 2, 4],
      warmup: 0,
      train: async (workers) => {
        trained.push(workers);
        return { metrics: jsonl([step(0, workers * 100, 10), step(1, workers * 100, 10)]), source: `w${workers}` };
      },
      onRow: (r) => void seen.push(r.workers),
    });
    expect(trained).toEqual([1, 2, 4]);
    expect(seen).toEqual([1, 2, 4]);
    expect(rows.map((r) => [r.workers, r.samples_per_second, r.speedup, r.scaling_efficiency])).toEqual([
      [1, 10000, 1, 1],
      [2, 20000, 2, 1],
      [4, 40000, 4, 1],
    ]);
  });

  it('fails with the run that failed, after reporting the rows before it', async () => {
    const train = async (workers: number) => {
      if (workers === 2) throw new Error('the 2-worker run failed');
      return { metrics: jsonl([step(0, 100, 10)]), source: 'w1' };
    };
    const seen: number[] = [];
    await expect(runScalingBench({ workers: [1, 2, 4], warmup: 0, train, onRow: (r) => void seen.push(r.workers) })).rejects.toThrow('the 2-worker run failed');
    expect(seen).toEqual([1]);
  });

  it('waits for an asynchronous onRow before the next run (the CLI writes its JSON there)', async () => {
    const events: string[] = [];
    const train = async (workers: number) => {
      events.push(`train ${workers}`);
      return { metrics: jsonl([step(0, 100, 10)]), source: `w${workers}` };
    };
    const onRow = async (r: { workers: number }) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push(`row ${r.workers}`);
    };
    await runScalingBench({ workers: [1, 2], warmup: 0, train, onRow });
    expect(events).toEqual(['train 1', 'row 1', 'train 2', 'row 2']);
  });
});

describe('formatScalingTable', () => {
  it('prints a right-aligned row per world size with efficiency in percent', () => {
    const table = formatScalingTable([
      { workers: 1, steps: 245, step_ms: 4.4812, compute_ms: 4.4, comm_ms: 0.004, samples_per_second: 28563.2, speedup: 1, scaling_efficiency: 1 },
      { workers: 2, steps: 120, step_ms: 7.6, compute_ms: 5.1, comm_ms: 1.7, samples_per_second: 33684.2, speedup: 1.1793, scaling_efficiency: 0.58963 },
    ]);
    expect(table.split('\n')).toEqual([
      'workers  steps  step(ms)  compute(ms)  comm(ms)  samples/s  speedup  efficiency',
      '      1    245      4.48         4.40      0.00      28563     1.00      100.0%',
      '      2    120      7.60         5.10      1.70      33684     1.18       59.0%',
    ]);
  });
});
