#!/usr/bin/env node
// Training-step benchmark against PyTorch DDP: for each model, the step time of 1 worker (compute only, no
// communication) and of 2 workers (distributed), for ringtrain (`ringtrain launch`, step_ms of metrics.jsonl)
// and for PyTorch DDP over gloo (tools/ddp_step_bench.py), same model, same per-worker batch, same machine,
// one after the other. Communication overhead = (distributed - compute only) / distributed.
// Needs Debian's python3-torch (apt-get install -y python3-torch). Medians over steps; the first --warmup
// steps of every run are left out.
// With --repeat N the whole sequence runs N times and every figure is the median over the runs.
// Usage: node tools/compare-ddp.mjs [--models mlp:128,cnn:64] [--warmup 5] [--repeat 1] [--json FILE]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { models: { type: 'string', default: 'mlp:128,cnn:64' }, warmup: { type: 'string', default: '5' }, repeat: { type: 'string', default: '1' }, json: { type: 'string' } } });
const warmup = Number(values.warmup);
const dir = mkdtempSync(join(tmpdir(), 'ringtrain-vs-ddp-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One ringtrain run of an epoch of mnist: median step wall time and comm time of the slowest rank, in ms. */
function ringtrain(model, batch, workers, run) {
  const out = join(dir, `${model}-${workers}-${run}`);
  const args = ['launch', '--nproc-per-node', String(workers), '--model', model, '--batch-size', String(batch), '--epochs', '1', '--backend', 'wasm', '--out', out];
  execFileSync(process.execPath, [join(root, 'apps/cli/bin/ringtrain.mjs'), ...args], { stdio: 'ignore' });
  const steps = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => 'step_ms' in m).slice(warmup);
  return { stepMs: median(steps.map((m) => m.step_ms)), commMs: median(steps.map((m) => m.comm_ms)), steps: steps.length };
}

function ddp(model, batch, workers) {
  const text = execFileSync('/usr/bin/python3', [join(root, 'tools/ddp_step_bench.py'), '--model', model, '--batch-size', String(batch), '--workers', String(workers)], { encoding: 'utf8' });
  return JSON.parse(text);
}

/** One run of every model: ringtrain 1 and 2 workers, then DDP, back to back. */
function measure(model, batch, run) {
  const one = ringtrain(model, batch, 1, run);
  const two = ringtrain(model, batch, 2, run);
  const torch = ddp(model, batch, 2);
  return {
    ringtrain: {
      compute_only_step_ms: one.stepMs,
      distributed_step_ms: two.stepMs,
      comm_ms: two.commMs,
      overhead_pct: ((two.stepMs - one.stepMs) / two.stepMs) * 100,
      samples_per_second: (2 * batch) / (two.stepMs / 1000),
    },
    pytorch_ddp: {
      compute_only_step_ms: torch.compute_only.step_ms_median,
      distributed_step_ms: torch.ddp.step_ms_median,
      overhead_pct: torch.ddp.overhead_pct,
      samples_per_second: torch.ddp.samples_per_second,
    },
    torch: { version: torch.torch_version, blas: torch.blas, threads_per_worker: torch.threads_per_worker },
  };
}

const models = values.models.split(',').map((entry) => entry.split(':')).map(([model, batch]) => ({ model, batch: Number(batch) }));
const runs = models.map(() => []);
for (let run = 0; run < Number(values.repeat); run++) models.forEach(({ model, batch }, i) => runs[i].push(measure(model, batch, run)));
const medianOf = (list, side) => Object.fromEntries(Object.keys(list[0][side]).map((key) => [key, median(list.map((r) => r[side][key]))]));
const rows = models.map(({ model, batch }, i) => ({
  model,
  batch_per_worker: batch,
  runs: runs[i].length,
  ringtrain: medianOf(runs[i], 'ringtrain'),
  pytorch_ddp: { ...medianOf(runs[i], 'pytorch_ddp'), ...runs[i][0].torch },
}));
const f = (x, d = 1) => x.toFixed(d);
console.log('model  batch  | ringtrain: 1w step  2w step  comm  overhead  samples/s | DDP: 1w step  2w step  overhead  samples/s | samples/s ratio');
for (const r of rows) {
  const a = r.ringtrain;
  const b = r.pytorch_ddp;
  console.log(
    `${r.model.padEnd(5)}  ${String(r.batch_per_worker).padStart(5)}  | ${f(a.compute_only_step_ms).padStart(9)}ms ${f(a.distributed_step_ms).padStart(7)}ms ${f(a.comm_ms).padStart(5)}ms ${f(a.overhead_pct).padStart(7)}% ${f(a.samples_per_second, 0).padStart(9)} |` +
      ` ${f(b.compute_only_step_ms).padStart(8)}ms ${f(b.distributed_step_ms).padStart(7)}ms ${f(b.overhead_pct).padStart(7)}% ${f(b.samples_per_second, 0).padStart(9)} | ${f(a.samples_per_second / b.samples_per_second, 2)}`,
  );
}
if (values.json) writeFileSync(values.json, `${JSON.stringify({ results: rows }, null, 2)}\n`);
