#!/usr/bin/env node
// Compares the even and the odd steps of one training run: the experiment patches in this folder switch a
// variant on for one parity only, so both variants run interleaved under the same machine load (this shared
// machine's load moves step times by +-30% between runs, far more than the variants differ). Prints the median
// step_ms, compute_ms and comm_ms of each parity from the run's metrics.jsonl, the first --warmup steps left out.
// Usage: node tools/experiments/step-parity.mjs OUT_DIR [--warmup 5]
import { parseArgs } from 'node:util';
import { median, stepRecords } from '../run-metrics.mjs';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { warmup: { type: 'string', default: '5' } } });
if (positionals.length !== 1) {
  console.error('usage: node tools/experiments/step-parity.mjs OUT_DIR [--warmup 5]');
  process.exit(2);
}
const steps = stepRecords(positionals[0], Number(values.warmup));
for (const parity of [0, 1]) {
  const of = steps.filter((m) => m.step % 2 === parity);
  const f = (key) => median(of.map((m) => m[key])).toFixed(2).padStart(8);
  console.log(`${parity === 0 ? 'even' : 'odd '} steps ${String(of.length).padStart(4)}: step_ms ${f('step_ms')}  compute_ms ${f('compute_ms')}  comm_ms ${f('comm_ms')}`);
}
