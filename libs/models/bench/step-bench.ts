// Training-step throughput of the zoo per compute backend: one step = forward + backward + writing the gradient
// into the flat Float32Array (computeGradients), at batch 64 on 28x28x1 inputs with 10 classes (MNIST's shape;
// the inputs are random, the FLOPs do not depend on the values). Prints the median of several timed steps after
// warmup, as samples/s, and the ratio cnn-wasm / cnn-cpu.
//
//   npx tsx libs/models/bench/step-bench.ts [--models mlp,cnn] [--backends wasm,cpu] [--blas off,native] [--batch 64]
//                                           [--runs 5] [--warmup 1]
//
// --blas lists the matrix-product settings to measure the wasm backend with (see select-blas.ts); other backends
// are measured once.
//
// Every model/backend pair runs in a process of its own: after the wasm backend had run, the cpu backend in the
// same process was measured 1.8-4x slower (with five times as many full garbage collections; the exact cause is
// not pinned down), which is not what a worker - one backend per process - sees.
//
// A configuration whose warmup step takes more than SLOW_STEP_SECONDS (cnn on cpu: minutes per step) is timed
// over MIN_RUNS steps instead of --runs.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { computeGradients, countParams, createModel, selectBackend, selectBlas, type BlasName, type ConcreteBackendName } from '../src/index.js';

const INPUT_SHAPE = [28, 28, 1];
const NUM_CLASSES = 10;
const SLOW_STEP_SECONDS = 10;
const MIN_RUNS = 3;

interface Measurement {
  stepMs: number;
  runs: number;
}

interface Row extends Measurement {
  model: string;
  backend: ConcreteBackendName;
  blas: BlasName;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Times computeGradients in this process (the child side). */
async function measure(modelName: string, backend: ConcreteBackendName, blas: BlasName, batch: number, runs: number, warmup: number): Promise<Measurement> {
  // Silences tfjs's "install the node backend" banner: the cpu backend is benchmarked on purpose.
  tf.enableProdMode();
  await selectBackend(backend);
  console.error(`${modelName} on ${backend}, blas ${blas}: ${selectBlas(blas, backend).reason}`);
  const model = createModel(modelName, { inputShape: INPUT_SHAPE, numClasses: NUM_CLASSES, seed: 1 });
  const xs = tf.randomUniform([batch, ...INPUT_SHAPE], 0, 1, 'float32', 2);
  const ys = tf.randomUniform([batch], 0, NUM_CLASSES, 'int32', 3);
  const grads = new Float32Array(countParams(model));
  const step = () => {
    const start = performance.now();
    computeGradients(model, xs, ys, grads);
    return performance.now() - start;
  };
  let slowest = 0;
  for (let i = 0; i < warmup; i++) slowest = Math.max(slowest, step());
  const timedRuns = slowest > SLOW_STEP_SECONDS * 1000 ? Math.min(runs, MIN_RUNS) : runs;
  const times = Array.from({ length: timedRuns }, step);
  return { stepMs: median(times), runs: timedRuns };
}

/** Runs one configuration in a fresh process (this script with --child) and reads its measurement. */
function measureInChild(model: string, backend: ConcreteBackendName, blas: BlasName, options: { batch: string; runs: string; warmup: string }): Row {
  const args = [fileURLToPath(import.meta.url), '--child', '--models', model, '--backends', backend, '--blas', blas];
  args.push('--batch', options.batch, '--runs', options.runs, '--warmup', options.warmup);
  const child = spawnSync(process.execPath, [...process.execArgv, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (child.status !== 0) throw new Error(`${model} on ${backend} failed (exit ${child.status})`);
  return { model, backend, blas, ...(JSON.parse(child.stdout) as Measurement) };
}

function printTable(rows: Row[], batch: number): void {
  const header = ['model', 'backend', 'blas', 'batch', 'step ms (median)', 'runs', 'samples/s'];
  const body = rows.map((row) => [row.model, row.backend, row.blas, String(batch), row.stepMs.toFixed(1), String(row.runs), ((batch * 1000) / row.stepMs).toFixed(1)]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const cells of body) console.log(line(cells));
  const cnnWasm = rows.find((row) => row.model === 'cnn' && row.backend === 'wasm' && row.blas === 'off');
  const cnnCpu = rows.find((row) => row.model === 'cnn' && row.backend === 'cpu');
  if (cnnWasm && cnnCpu) console.log(`\ncnn wasm / cnn cpu: ${(cnnCpu.stepMs / cnnWasm.stepMs).toFixed(1)}x samples/s`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string', default: 'mlp,cnn' },
      backends: { type: 'string', default: 'wasm,cpu' },
      blas: { type: 'string', default: 'off,native' },
      batch: { type: 'string', default: '64' },
      runs: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      child: { type: 'boolean', default: false },
    },
  });
  const batch = Number(values.batch);
  if (values.child) {
    const measurement = await measure(values.models, values.backends as ConcreteBackendName, values.blas as BlasName, batch, Number(values.runs), Number(values.warmup));
    process.stdout.write(JSON.stringify(measurement));
    return;
  }
  const rows: Row[] = [];
  for (const backend of values.backends.split(',') as ConcreteBackendName[]) {
    const blasSettings = backend === 'wasm' ? (values.blas.split(',') as BlasName[]) : (['off'] as const);
    for (const blas of blasSettings) {
      for (const model of values.models.split(',')) {
        const row = measureInChild(model, backend, blas, values);
        console.error(`${model} on ${backend}, blas ${blas}: ${row.stepMs.toFixed(1)} ms per step`);
        rows.push(row);
      }
    }
  }
  printTable(rows, batch);
}

await main();
