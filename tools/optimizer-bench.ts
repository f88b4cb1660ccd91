// Optimizer step time on one flat parameter vector, and the gradient norm every step computes: the
// JavaScript loops (arrays on the JS heap) against the SIMD kernels (arrays from allocateSimdBuffer, as the
// trainer allocates them). Both compute the same bits (the optim tests check it). Rounds alternate between
// the two, medians are printed.
// Usage: node --import tsx tools/optimizer-bench.ts [--size 535818] [--rounds 15] [--steps 20]
// (535,818 is `mlp`'s parameter count.)
import { parseArgs } from 'node:util';
import { AdamW, SGD, totalNorm } from '@ringtrain/optim';
import { allocateSimdBuffer } from '@ringtrain/simd';

const { values } = parseArgs({ options: { size: { type: 'string', default: '535818' }, rounds: { type: 'string', default: '15' }, steps: { type: 'string', default: '20' } } });
const size = Number(values.size);
const rounds = Number(values.rounds);
const steps = Number(values.steps);

/** One timed operation on (params, grads); a fresh one per side, so optimizer state is not shared. */
type Operation = (params: Float32Array, grads: Float32Array) => unknown;
const step = (optimizer: { step(p: Float32Array, g: Float32Array, lr: number): void }): Operation => (p, g) => optimizer.step(p, g, 0.01);
const rows: Array<[string, () => Operation]> = [
  ['sgd', () => step(new SGD(size, { weightDecay: 1e-4 }))],
  ['sgd momentum 0.9', () => step(new SGD(size, { momentum: 0.9 }))],
  ['sgd momentum, decay', () => step(new SGD(size, { momentum: 0.9, weightDecay: 1e-4 }))],
  ['sgd nesterov, decay', () => step(new SGD(size, { momentum: 0.9, nesterov: true, weightDecay: 1e-4 }))],
  ['adamw', () => step(new AdamW(size))],
  ['adamw amsgrad', () => step(new AdamW(size, { amsgrad: true }))],
  ['gradient norm (L2)', () => (_p, g) => totalNorm(g)],
];

function filled(array: Float32Array, seed: number): Float32Array {
  for (let i = 0; i < array.length; i++) array[i] = Math.sin(i * 0.37 + seed) * 0.05;
  return array;
}

/** Median ms of one call over `steps` calls. */
function time(operation: Operation, params: Float32Array, grads: Float32Array): number {
  const times: number[] = [];
  for (let s = 0; s < steps; s++) {
    const start = performance.now();
    operation(params, grads);
    times.push(performance.now() - start);
  }
  return median(times);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`# optimizer step and gradient norm on ${size} float32 parameters, node ${process.version}; median of ${rounds} rounds x ${steps} steps`);
console.log('operation            js loop ms   simd kernel ms   speed-up');
for (const [name, make] of rows) {
  const js = { operation: make(), params: filled(new Float32Array(size), 1), grads: filled(new Float32Array(size), 2), times: [] as number[] };
  const simd = { operation: make(), params: filled(allocateSimdBuffer(size), 1), grads: filled(allocateSimdBuffer(size), 2), times: [] as number[] };
  for (let r = 0; r < rounds; r++) for (const side of [js, simd]) side.times.push(time(side.operation, side.params, side.grads));
  const [a, b] = [median(js.times), median(simd.times)];
  console.log(`${name.padEnd(20)} ${a.toFixed(3).padStart(10)} ${b.toFixed(3).padStart(16)} ${(a / b).toFixed(2).padStart(10)}x`);
}
