// A finished run's per-step records (metrics.jsonl in its --out) and the statistics the benchmark tools take of
// them: shared by the benchmark tools (compare-ddp, compare-comm-thread, compare-gloo, step-times, step-parity).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The step records of the run in `dir` (each step's slowest rank), the first `warmup` left out. */
export function stepRecords(dir, warmup) {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line)).filter((m) => 'step_ms' in m).slice(warmup);
}

export const mean = (xs) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
