#!/usr/bin/env node
// Training-step benchmark against PyTorch DDP: for each model, the step time of 1 worker (compute only, no
// communication) and of 2 workers (distributed), for ringtrain (`ringtrain launch`, step_ms of metrics.jsonl)
// and for PyTorch DDP over gloo (tools/ddp_step_bench.py), same model, same per-worker batch, same machine,
// one after the other. Communication overhead = (distributed - compute only) / distributed. On a machine with
// as many cores as workers, two workers computing at once also slow each other down (shared caches, memory,
// the host's scheduling), so each side also measures "compute only, busy": as many compute-only workers as
// the distributed run has, started together, each training on its own; (distributed - busy) / distributed is
// then the overhead of communication alone.
// Needs Debian's python3-torch (apt-get install -y python3-torch). A run's step time is the mean over its steps
// (--stat mean, the default: what samples/s means; a worker sends its step reports a few steps at a time, so their
// cost falls on some steps only and a median would leave it out) or the median (--stat median, what this tool
// printed until 2026-11-29); the first --warmup steps of every run are left out. Of several processes the slowest
// counts: for ringtrain the statistic is taken over each step's slowest rank (metrics.jsonl), for DDP the slowest
// rank's statistic over its steps; for a mean the first is the larger (so it does not flatter ringtrain).
// With --repeat N the whole sequence runs N times and every figure is the median over the runs.
// Binding: both sides bind their 2 workers to a core each (ringtrain launch --bind-to core, its default; ddp_step_bench.py
// --bind-to core, its default), the busy runs too (each ringtrain busy run under taskset on its own core); the 1-worker
// runs keep both cores. Until 2026-11-29 11:50 UTC nothing was bound.
// Threads: as ddp_step_bench.py gives every torch process max(1, cores // 2) threads, every ringtrain worker gets
// as many BLAS threads (OMP_NUM_THREADS), the compute-only one included. --blas (default native, which fails
// without OpenBLAS rather than measuring something else; off: XNNPACK) is passed to ringtrain launch.
// Usage: node tools/compare-ddp.mjs [--models mlp:128,cnn:64] [--blas native|off|auto] [--stat mean|median] [--warmup 5] [--repeat 1] [--json FILE]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mean, median, stepRecords } from './run-metrics.mjs';

// ringtrain's TypeScript sources, for the launcher's CPU plan (the same as launch --bind-to core makes).
await import('../apps/cli/bin/register-hooks.mjs');
const { chooseCpuBinding } = await import('@ringtrain/launcher');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { models: { type: 'string', default: 'mlp:128,cnn:64' }, blas: { type: 'string', default: 'native' }, warmup: { type: 'string', default: '5' }, stat: { type: 'string', default: 'mean' }, repeat: { type: 'string', default: '1' }, json: { type: 'string' } } });
const warmup = Number(values.warmup);
const dir = mkdtempSync(join(tmpdir(), 'ringtrain-vs-ddp-'));
if (values.stat !== 'mean' && values.stat !== 'median') throw new Error(`--stat must be mean or median, not ${values.stat}`);
/** A run's figure of its per-step times. */
const stat = values.stat === 'mean' ? mean : median;

const cli = join(root, 'apps/cli/bin/ringtrain.mjs');
const launchArgs = (model, batch, workers, out) =>
  ['launch', '--nproc-per-node', String(workers), '--model', model, '--batch-size', String(batch), '--epochs', '1', '--backend', 'wasm', '--blas', values.blas, '--out', out];
/** The threads of one worker, as ddp_step_bench.py's default for 2 workers. */
const threadsPerWorker = Math.max(1, Math.floor(availableParallelism() / 2));
const env = { ...process.env, OMP_NUM_THREADS: String(threadsPerWorker) };

/** Step wall time and comm time (--stat over the steps of each step's slowest rank), in ms, from a run's metrics.jsonl. */
function stepTimes(out) {
  const steps = stepRecords(out, warmup);
  return { stepMs: stat(steps.map((m) => m.step_ms)), commMs: stat(steps.map((m) => m.comm_ms)), steps: steps.length };
}

/** One ringtrain run of an epoch of mnist. */
function ringtrain(model, batch, workers, run) {
  const out = join(dir, `${model}-${workers}-${run}`);
  execFileSync(process.execPath, [cli, ...launchArgs(model, batch, workers, out)], { stdio: 'ignore', env });
  return stepTimes(out);
}

/** Runs the CLI with `args` (on the CPUs of list `cpus` if given, through taskset); rejects if it fails. Aborting `signal` kills it. */
function runCli(args, signal, cpus) {
  return new Promise((resolve, reject) => {
    const [command, prefix] = cpus === undefined ? [process.execPath, []] : ['taskset', ['-c', cpus, process.execPath]];
    const child = spawn(command, [...prefix, cli, ...args], { stdio: 'ignore', signal, env });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ringtrain ${args.join(' ')} exited with ${code}`))));
  });
}

/** The part of the shortest run during which all runs were going (summary.json's started_at..finished_at). */
function overlapFraction(outs) {
  const spans = outs.map((out) => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).map((s) => [Date.parse(s.started_at), Date.parse(s.finished_at)]);
  const together = Math.min(...spans.map(([, end]) => end)) - Math.max(...spans.map(([start]) => start));
  return Math.max(0, together) / Math.min(...spans.map(([start, end]) => end - start));
}

/**
 * `workers` 1-worker runs started at once, each with its own coordinator: the slowest one's step (--stat), and
 * how much of the runs overlapped (they are the same job started together; a low figure means the baseline
 * did not have the cores busy throughout and is flagged).
 */
async function ringtrainBusy(model, batch, workers, run) {
  const outs = Array.from({ length: workers }, (_, i) => join(dir, `${model}-busy-${run}-${i}`));
  const port = 20000 + (process.pid % 20000);
  const abort = new AbortController();
  // As the distributed run binds its workers to CPUs of their own (launch --bind-to core), so does each busy run: its
  // launcher runs under taskset on the block its worker would get, and its one worker inherits that.
  const { lists } = chooseCpuBinding(workers);
  await Promise.all(outs.map((out, i) => runCli([...launchArgs(model, batch, 1, out), '--rdzv-endpoint', `127.0.0.1:${port + i}`], abort.signal, lists?.[i]))).catch((err) => {
    abort.abort(); // one failed: do not leave the others running
    throw err;
  });
  const overlap = overlapFraction(outs);
  if (overlap < 0.9) console.error(`warning: the busy runs of ${model} (run ${run}) overlapped for only ${(overlap * 100).toFixed(0)}% of the shorter one`);
  return { stepMs: Math.max(...outs.map((out) => stepTimes(out).stepMs)), overlap };
}

/** The slowest of a DDP run's processes (ddp_step_bench.py's ranks with their timed steps' times). */
const slowest = (ranks) => Math.max(...ranks.map((rank) => stat(rank.step_ms)));

function ddp(model, batch, workers) {
  const text = execFileSync('/usr/bin/python3', [join(root, 'tools/ddp_step_bench.py'), '--model', model, '--batch-size', String(batch), '--workers', String(workers)], { encoding: 'utf8' });
  return JSON.parse(text);
}

/** One run of every model: ringtrain 1 worker, 2 at once, 2 workers, then DDP, back to back. */
async function measure(model, batch, run) {
  const one = ringtrain(model, batch, 1, run);
  const busy = await ringtrainBusy(model, batch, 2, run);
  const two = ringtrain(model, batch, 2, run);
  const torch = ddp(model, batch, 2);
  return {
    ringtrain: {
      compute_only_step_ms: one.stepMs,
      compute_only_busy_step_ms: busy.stepMs,
      busy_overlap: busy.overlap,
      distributed_step_ms: two.stepMs,
      comm_ms: two.commMs,
      samples_per_second: (2 * batch) / (two.stepMs / 1000),
    },
    pytorch_ddp: {
      compute_only_step_ms: stat(torch.compute_only.step_ms),
      compute_only_busy_step_ms: slowest(torch.compute_only_busy.ranks),
      distributed_step_ms: slowest(torch.ddp.ranks),
      samples_per_second: (2 * batch) / (slowest(torch.ddp.ranks) / 1000),
    },
    torch: { version: torch.torch_version, blas: torch.blas, threads_per_worker: torch.threads_per_worker, blas_threads: torch.blas_threads },
  };
}

const models = values.models.split(',').map((entry) => entry.split(':')).map(([model, batch]) => ({ model, batch: Number(batch) }));
const runs = models.map(() => []);
for (let run = 0; run < Number(values.repeat); run++) for (const [i, { model, batch }] of models.entries()) runs[i].push(await measure(model, batch, run));
// Each figure is its own median over the runs; the percentages are then computed from the median step times, so a
// row's figures agree with each other (medians of the per-run percentages would not).
const withOverheads = (s) => ({
  ...s,
  overhead_pct: ((s.distributed_step_ms - s.compute_only_step_ms) / s.distributed_step_ms) * 100,
  comm_overhead_pct: ((s.distributed_step_ms - s.compute_only_busy_step_ms) / s.distributed_step_ms) * 100,
});
const medianOf = (list, side) => withOverheads(Object.fromEntries(Object.keys(list[0][side]).map((key) => [key, median(list.map((r) => r[side][key]))])));
const rows = models.map(({ model, batch }, i) => ({
  model,
  batch_per_worker: batch,
  runs: runs[i].length,
  ringtrain: { ...medianOf(runs[i], 'ringtrain'), blas: values.blas, threads_per_worker: threadsPerWorker },
  pytorch_ddp: { ...medianOf(runs[i], 'pytorch_ddp'), ...runs[i][0].torch },
}));
const f = (x, d = 1) => x.toFixed(d);
// Per side: 1w = compute only, busy = 2 compute-only workers at once, 2w = distributed, then the overhead against
// 1w (the issue's definition) and against busy (communication alone).
console.log('model  batch  | ringtrain: 1w step   busy  2w step  comm  overhead  comm ovh  samples/s | DDP: 1w step   busy  2w step  overhead  comm ovh  samples/s | samples/s ratio');
const side = (s, comm) =>
  `${f(s.compute_only_step_ms).padStart(8)}ms ${f(s.compute_only_busy_step_ms).padStart(6)}ms ${f(s.distributed_step_ms).padStart(7)}ms ${comm}${f(s.overhead_pct).padStart(8)}% ${f(s.comm_overhead_pct).padStart(8)}% ${f(s.samples_per_second, 0).padStart(9)}`;
for (const r of rows) {
  const a = r.ringtrain;
  const b = r.pytorch_ddp;
  console.log(`${r.model.padEnd(5)}  ${String(r.batch_per_worker).padStart(5)}  | ${side(a, `${f(a.comm_ms).padStart(5)}ms`)} | ${side(b, '')} | ${f(a.samples_per_second / b.samples_per_second, 2)}`);
}
if (values.json) writeFileSync(values.json, `${JSON.stringify({ results: rows }, null, 2)}\n`);
