#!/usr/bin/env node
// The step times of finished training runs, one line per run: from each OUT_DIR's metrics.jsonl, the steps
// after the first --warmup, the mean (of each step's slowest rank: with one worker, total time / steps) and the
// median of step_ms, and the means of compute_ms and comm_ms. To compare two builds, run
// them alternately (this shared machine's load moves step times by tens of percent between runs) and compare
// the means pair by pair.
// Usage: node tools/step-times.mjs OUT_DIR... [--warmup 5]
import { parseArgs } from 'node:util';
import { mean, median, stepRecords } from './run-metrics.mjs';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { warmup: { type: 'string', default: '5' } } });
if (positionals.length === 0) {
  console.error('usage: node tools/step-times.mjs OUT_DIR... [--warmup 5]');
  process.exit(2);
}
for (const dir of positionals) {
  const steps = stepRecords(dir, Number(values.warmup));
  const of = (key) => steps.map((m) => m[key]);
  const ms = (x) => x.toFixed(2).padStart(7);
  console.log(`${dir}: ${steps.length} steps, step_ms mean ${ms(mean(of('step_ms')))} median ${ms(median(of('step_ms')))}, compute_ms mean ${ms(mean(of('compute_ms')))}, comm_ms mean ${ms(mean(of('comm_ms')))}`);
}
