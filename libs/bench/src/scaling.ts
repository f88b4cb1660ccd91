// `bench scaling`: the same training run with each world size in turn (Horovod's synthetic benchmark, on real
// training steps), compared by throughput. A run's figures come from its metrics.jsonl, whose step records
// already combine the ranks (step-metrics.ts in the coordinator: every step paced by its slowest rank), so a
// row is what the whole ring did:
//   samples/s  = Σ samples / Σ step time over the timed steps (the first `warmup` left out), where a step's
//                samples = its samples_per_second · step_ms / 1000 (an epoch's last step may be short)
//   step, compute, comm = mean over the timed steps (what samples/s is made of; a median would leave out the
//                steps that pay for reports and GC)
//   speedup    = samples/s over the smallest world size's
//   efficiency = speedup · smallest world size / world size (1 = linear scaling)

import { InvalidArgumentError } from '@ringtrain/common';
import { alignedTable } from './table.js';

/** The fields of a metrics.jsonl step record that a scaling row needs. */
export interface StepRecord {
  step: number;
  step_ms: number;
  compute_ms: number;
  comm_ms: number;
  samples_per_second: number;
}

export interface ScalingRow {
  workers: number;
  /** Steps timed (after the warmup). */
  steps: number;
  step_ms: number;
  compute_ms: number;
  comm_ms: number;
  samples_per_second: number;
  /** samples/s over the smallest world size's. */
  speedup: number;
  /** speedup · smallest world size / workers. */
  scaling_efficiency: number;
}

const NUMBER_FIELDS = ['step_ms', 'compute_ms', 'comm_ms', 'samples_per_second'] as const;

/** The step records of a metrics.jsonl (evaluation records and the like left out), in file order. */
export function parseStepRecords(text: string, source: string): StepRecord[] {
  const records: StepRecord[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new InvalidArgumentError(`${source}:${index + 1}: not a JSON line`, { subject: source });
    }
    const record = value as Record<string, unknown>;
    if (typeof record !== 'object' || record === null || !('step_ms' in record)) return;
    for (const field of ['step', ...NUMBER_FIELDS]) {
      if (typeof record[field] !== 'number' || !Number.isFinite(record[field])) {
        throw new InvalidArgumentError(`${source}:${index + 1}: a step record without a finite ${field}`, { subject: source });
      }
    }
    records.push(record as unknown as StepRecord);
  });
  return records;
}

/** One world size's row without the comparison columns (withScaling adds them). */
export function scalingRow(workers: number, records: readonly StepRecord[], warmup: number): Omit<ScalingRow, 'speedup' | 'scaling_efficiency'> {
  const timed = records.slice(warmup);
  if (timed.length === 0) {
    throw new InvalidArgumentError(`the ${workers}-worker run has ${records.length} steps, none after the first ${warmup} (--warmup): train longer or lower --warmup`, {
      subject: '--warmup',
    });
  }
  let stepMs = 0;
  let computeMs = 0;
  let commMs = 0;
  let samples = 0;
  for (const r of timed) {
    stepMs += r.step_ms;
    computeMs += r.compute_ms;
    commMs += r.comm_ms;
    samples += (r.samples_per_second * r.step_ms) / 1000;
  }
  const n = timed.length;
  return { workers, steps: n, step_ms: stepMs / n, compute_ms: computeMs / n, comm_ms: commMs / n, samples_per_second: samples / (stepMs / 1000) };
}

/** The rows with speedup and efficiency against the smallest world size among them. */
export function withScaling(rows: ReadonlyArray<Omit<ScalingRow, 'speedup' | 'scaling_efficiency'>>): ScalingRow[] {
  const base = rows.reduce((smallest, row) => (row.workers < smallest.workers ? row : smallest), rows[0]!);
  return rows.map((row) => {
    const speedup = row.samples_per_second / base.samples_per_second;
    return { ...row, speedup, scaling_efficiency: (speedup * base.workers) / row.workers };
  });
}

const COLUMNS = ['workers', 'steps', 'step(ms)', 'compute(ms)', 'comm(ms)', 'samples/s', 'speedup', 'efficiency'] as const;

/** A fixed-width table of the rows, right-aligned, as bench allreduce prints its own. */
export function formatScalingTable(rows: readonly ScalingRow[]): string {
  const body = rows.map((r) => [
    String(r.workers),
    String(r.steps),
    r.step_ms.toFixed(2),
    r.compute_ms.toFixed(2),
    r.comm_ms.toFixed(2),
    r.samples_per_second.toFixed(0),
    r.speedup.toFixed(2),
    `${(100 * r.scaling_efficiency).toFixed(1)}%`,
  ]);
  return alignedTable(COLUMNS, body);
}

export interface ScalingBenchOptions {
  /** World sizes; run from the smallest up (each once), so that every row can be compared with the first. */
  workers: readonly number[];
  /** First steps of every run left out (JIT, first allocations). */
  warmup: number;
  /** Trains with `workers` workers and resolves to the run's metrics.jsonl text and where it came from. */
  train: (workers: number) => Promise<{ metrics: string; source: string }>;
  /** Each world size's row as soon as its run ends; the next run starts when it has returned (or resolved). */
  onRow?: (row: ScalingRow) => void | Promise<void>;
}

/** Runs every world size in turn, smallest first; the rows, compared with the smallest world size. */
export async function runScalingBench({ workers, warmup, train, onRow }: ScalingBenchOptions): Promise<ScalingRow[]> {
  const rows: Array<Omit<ScalingRow, 'speedup' | 'scaling_efficiency'>> = [];
  for (const count of [...new Set(workers)].sort((a, b) => a - b)) {
    const { metrics, source } = await train(count);
    rows.push(scalingRow(count, parseStepRecords(metrics, source), warmup));
    await onRow?.(withScaling(rows).at(-1)!);
  }
  return withScaling(rows);
}
