#!/usr/bin/env node
// --comm-thread against the main thread's ring: 2-worker runs of one model, the variants alternating (this shared
// machine's load moves step times by tens of percent between runs), and per variant the median over runs of each
// run's median step_ms, compute_ms (until the backward pass ends) and comm_ms (what is left of the all-reduce
// after it) from metrics.jsonl, the first --warmup steps left out.
//
// --shape-loopback RATE (needs root and tc) limits the loopback interface to RATE (tc's token bucket filter, e.g.
// 4gbit) for the runs and removes the limit after, so that the ring's transfers wait on a link, as between
// machines, instead of on the CPU as between two processes of this 2-core machine.
//
// Usage: node tools/compare-comm-thread.mjs [--model cnn] [--batch 64] [--variants off:25,on:1,on:25] [--repeat 2]
//                                          [--warmup 5] [--shape-loopback RATE]
// A variant is on|off (--comm-thread or not), the --bucket-mb of its runs and optionally the route of the workers'
// links: shm (the default: Unix sockets, payloads through shared memory), unix (--no-shared-memory: Unix sockets
// carrying the payloads) or tcp (--no-unix-sockets): off:25:tcp.

import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median, stepRecords } from './run-metrics.mjs';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'cnn' },
    batch: { type: 'string', default: '64' },
    variants: { type: 'string', default: 'off:25,on:1,on:25' },
    repeat: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '5' },
    'shape-loopback': { type: 'string' },
  },
});
/** What each route adds to the launch command. */
const ROUTE_FLAGS = { shm: [], unix: ['--no-shared-memory'], tcp: ['--no-unix-sockets'] };
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'apps/cli/bin/ringtrain.mjs');
const dir = mkdtempSync(join(tmpdir(), 'ringtrain-comm-thread-'));
const variants = values.variants.split(',').map((spec) => {
  const [thread, bucketMb, route = 'shm', ...rest] = spec.split(':');
  if ((thread !== 'on' && thread !== 'off') || !(Number(bucketMb) > 0) || !(route in ROUTE_FLAGS) || rest.length > 0) {
    console.error(`--variants: expected on|off:BUCKET_MB[:shm|unix|tcp], got ${spec}`);
    process.exit(2);
  }
  const args = [...(thread === 'on' ? ['--comm-thread'] : []), '--bucket-mb', bucketMb, ...ROUTE_FLAGS[route]];
  return { name: `${thread} ${bucketMb} MiB ${route}`, args, runs: [] };
});

function run(variant, index) {
  const out = join(dir, `run-${index}`);
  const args = ['launch', '--nproc-per-node', '2', '--model', values.model, '--batch-size', values.batch, '--epochs', '1', '--backend', 'wasm', '--blas', 'native', ...variant.args, '--out', out];
  execFileSync(process.execPath, [cli, ...args], { stdio: 'ignore', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  const steps = stepRecords(out, Number(values.warmup));
  return Object.fromEntries(['step_ms', 'compute_ms', 'comm_ms'].map((key) => [key, median(steps.map((m) => m[key]))]));
}

const shape = values['shape-loopback'];
if (shape) execFileSync('tc', ['qdisc', 'add', 'dev', 'lo', 'root', 'tbf', 'rate', shape, 'burst', '512kb', 'latency', '100ms']);
try {
  let index = 0;
  for (let round = 0; round < Number(values.repeat); round++) {
    // ABC, then CBA: every variant runs early and late in the sequence.
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) variant.runs.push(run(variant, index++));
  }
} finally {
  if (shape) execFileSync('tc', ['qdisc', 'del', 'dev', 'lo', 'root']);
}
console.log(`${values.model}, batch ${values.batch} per worker, 2 workers${shape ? `, loopback limited to ${shape}` : ''}; medians over ${values.repeat} runs`);
console.log('variant (thread, bucket, route)  step ms   compute ms   comm ms   runs (step ms)');
for (const v of variants) {
  const m = (key) => median(v.runs.map((r) => r[key])).toFixed(1).padStart(8);
  console.log(`${v.name.padEnd(30)} ${m('step_ms')}   ${m('compute_ms')}   ${m('comm_ms')}   ${v.runs.map((r) => r.step_ms.toFixed(1)).join(', ')}`);
}
