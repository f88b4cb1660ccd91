// Where one training step's time goes, kernel by kernel: runs computeGradients (forward + backward + the flat
// gradient) on the wasm backend under tf.profile and prints each kernel's total time and call count, then the
// times of writing the flat parameters into the model (setFlatParams, what a worker does after every step) and of
// reading them out (getFlatParams, which reads the wasm memory the way the gradient hooks do). The per-kernel and
// copy figures in libs/models/src/ (wasm-kernels/, flat-weights.ts) come from this.
//
//   OMP_NUM_THREADS=1 node --import tsx tools/kernel-profile.ts [--model cnn] [--blas native|off] [--batch 64] [--top 20]
//
// Figures include tf.profile's own overhead and move with the machine's load: compare within one run.

import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { computeGradients, countParams, createModel, getFlatParams, selectBackend, selectBlas, setFlatParams, type BlasName } from '../libs/models/src/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'cnn' },
    blas: { type: 'string', default: 'native' },
    batch: { type: 'string', default: '64' },
    top: { type: 'string', default: '20' },
  },
});
const batch = Number(values.batch);
const WARMUP = 3;
const TIMED = 10;

tf.enableProdMode();
await selectBackend('wasm');
console.log(selectBlas(values.blas as BlasName, 'wasm').reason);
const model = createModel(values.model, { inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
const xs = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 2);
const ys = tf.randomUniform([batch], 0, 10, 'int32', 3);
const grads = new Float32Array(countParams(model));
for (let i = 0; i < WARMUP; i++) computeGradients(model, xs, ys, grads);

const profile = await tf.profile(() => void computeGradients(model, xs, ys, grads));
const byKernel = new Map<string, { ms: number; calls: number }>();
for (const kernel of profile.kernels) {
  const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
  entry.ms += kernel.kernelTimeMs as number;
  entry.calls += 1;
  byKernel.set(kernel.name, entry);
}
// A dense stack on the native BLAS trains without the engine (libs/models/src/dense-stack/): no kernels to list.
console.log(profile.kernels.length === 0 ? 'no tfjs kernel ran: the step went past the engine (a dense stack on the native BLAS)' : `${profile.kernels.length} kernel calls`);
console.log(`${'kernel'.padEnd(28)} ${'ms'.padStart(8)} calls`);
for (const [name, { ms, calls }] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(values.top))) {
  console.log(`${name.padEnd(28)} ${ms.toFixed(2).padStart(8)} ${calls}`);
}

const time = (body: () => void) => {
  const start = performance.now();
  for (let i = 0; i < TIMED; i++) body();
  return (performance.now() - start) / TIMED;
};
console.log(`step (no profiler), mean of ${TIMED}: ${time(() => computeGradients(model, xs, ys, grads)).toFixed(2)} ms`);
const flat = getFlatParams(model);
console.log(`setFlatParams (${flat.length} parameters), mean of ${TIMED}: ${time(() => setFlatParams(model, flat)).toFixed(2)} ms`);
console.log(`getFlatParams, mean of ${TIMED}: ${time(() => getFlatParams(model, flat)).toFixed(2)} ms`);
