// Single-thread GEMM throughput of the opened BLAS for the shapes ringtrain's models run, next to a square
// product: where the BLAS is weak (the cnn's convolutions, 32 columns) and where it is not. Rounds alternate
// over the shapes; medians are printed. The convolutions on the addon's own kernels: tools/conv-bench.ts.
//
//   OMP_NUM_THREADS=1 node --import tsx tools/gemm-bench.ts [--rounds 15]

import { parseArgs } from 'node:util';
import { openNativeBlas } from '../libs/native-blas/src/index.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '15' } } });
const opened = openNativeBlas();
if (!opened.ok) {
  console.error(`no native BLAS: ${opened.reason}`);
  process.exit(2);
}
const blas = opened.blas;

/** [name, m, n, k, transposeA, transposeB]: C[m x n] = op(A)·op(B). */
type Shape = [string, number, number, number, boolean, boolean];
const mlp = (inputs: number, units: number, first: boolean): Shape[] => [
  [`mlp ${inputs}->${units} forward`, 128, units, inputs, false, false],
  [`mlp ${inputs}->${units} dW`, inputs, units, 128, true, false],
  ...(first ? [] : [[`mlp ${inputs}->${units} dX`, 128, inputs, units, false, true] as Shape]),
];
const shapes: Shape[] = [
  ['square 1024', 1024, 1024, 1024, false, false],
  ['cnn conv2 forward [36864x288]·[288x32]', 36864, 32, 288, false, false],
  ['cnn dense forward [64x4608]·[4608x512]', 64, 512, 4608, false, false],
  ['cnn dense dW', 4608, 512, 64, true, false],
  ['cnn dense dX', 64, 4608, 512, false, true],
  ...mlp(784, 512, true),
  ...mlp(512, 256, false),
  ...mlp(256, 10, false),
];
const random = (length: number) => Float32Array.from({ length }, () => Math.random() - 0.5);
const runs = shapes.map(([, m, n, k, transposeA, transposeB]) => {
  const [a, b, c] = [random(m * k), random(k * n), new Float32Array(m * n)];
  return () => blas.gemm({ a, b, c, bias: null, batch: 1, batchA: 1, batchB: 1, m, n, k, transposeA, transposeB, relu: false });
});
const times = shapes.map(() => [] as number[]);
for (const run of runs) run(); // warm-up
for (let round = 0; round < Number(values.rounds); round++) {
  runs.forEach((run, i) => {
    const start = performance.now();
    run();
    times[i]!.push(performance.now() - start);
  });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`${blas.library}, median ms of ${values.rounds} rounds`);
let mlpMs = 0;
shapes.forEach(([name, m, n, k], i) => {
  const ms = median(times[i]!);
  if (name.startsWith('mlp')) mlpMs += ms;
  console.log(`${name.padEnd(40)} ${ms.toFixed(3).padStart(8)} ms ${((2 * m * n * k) / ms / 1e6).toFixed(1).padStart(7)} GFLOP/s`);
});
console.log(`${'mlp step, all products'.padEnd(40)} ${mlpMs.toFixed(3).padStart(8)} ms`);
