// Times the three passes of one convolution on the native BLAS (libs/native-blas/native/conv2d.c: im2col + GEMM),
// next to the bare GEMMs of the same shapes, so the difference is what im2col/col2im and chunking cost; where the
// addon's narrow kernels are in use (16 or 32 filters, AVX-512), each pass also without them. Default
// geometry: the cnn's conv2 at batch 64 (64 x 26 x 26 x 32 in, 3x3, 32 filters, 'valid'); its conv1 is
// --size 28 --in-channels 1.
//
//   OMP_NUM_THREADS=1 node --import tsx tools/conv-bench.ts [--batch 64] [--size 26] [--in-channels 32] [--filters 32]
//                                                          [--rounds 15]
//
// Passes and GEMMs are interleaved round by round and medians printed, since this machine's load moves single
// timings by tens of percent. To compare two builds of the addon, run this in both checkouts, alternating.

import { parseArgs } from 'node:util';
import { openNativeBlas, type Conv2DGeometry } from '../libs/native-blas/src/index.js';

const { values } = parseArgs({
  options: {
    batch: { type: 'string', default: '64' },
    size: { type: 'string', default: '26' },
    'in-channels': { type: 'string', default: '32' },
    filters: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '15' },
  },
});
const opened = openNativeBlas();
if (!opened.ok) {
  console.error(`no native BLAS: ${opened.reason}`);
  process.exit(2);
}
const blas = opened.blas;
const [n, size, cin, c] = [Number(values.batch), Number(values.size), Number(values['in-channels']), Number(values.filters)];
const out = size - 2;
const g: Conv2DGeometry = { n, h: size, w: size, cin, kh: 3, kw: 3, cout: c, oh: out, ow: out, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padLeft: 0 };
const rows = n * out * out;
const k = 9 * cin;
const random = (length: number) => Float32Array.from({ length }, () => Math.random() - 0.5);
const x = random(n * size * size * cin);
const w = random(k * c);
const y = random(rows * c);
const dw = new Float32Array(w.length);
const dx = new Float32Array(x.length);
const cols = random(rows * k);
const gemm = (m: number, nn: number, kk: number, transposeA: boolean, transposeB: boolean, a: Float32Array, b: Float32Array, out: Float32Array) =>
  blas.gemm({ a, b, c: out, bias: null, batch: 1, batchA: 1, batchB: 1, m, n: nn, k: kk, transposeA, transposeB, relu: false });

// Where the CPU has AVX-512, a pass whose GEMM has 16 or 32 columns runs on the addon's narrow kernels (native/
// narrow-gemm.c): the forward pass with 16 or 32 filters, the input gradient (stride 1 here: a forward pass over dy)
// with 16 or 32 input channels, the filter gradient with 16 or 32 filters and K >= 48. Such a pass is also timed
// with the kernels turned off (its "BLAS" row).
const narrowColumns = (n: number) => n === 16 || n === 32;
const onBlas = (pass: () => void) => () => {
  blas.narrowKernels(false);
  pass();
  blas.narrowKernels(true);
};
const narrowOn = blas.narrowKernels();
const pass = (name: string, run: () => void, narrow: boolean): [string, () => void][] =>
  narrowOn && narrow ? [[`${name} (narrow kernels)`, run], [`${name} (BLAS)`, onBlas(run)]] : [[name, run]];
const cases: [string, () => void][] = [
  ...pass('forward', () => blas.conv2d({ pass: 'forward', a: x, b: w, out: y, geometry: g }), narrowColumns(c)),
  ...pass('filter gradient', () => blas.conv2d({ pass: 'filterGradient', a: x, b: y, out: dw, geometry: g }), narrowColumns(c) && k >= 48),
  ...pass('input gradient', () => blas.conv2d({ pass: 'inputGradient', a: y, b: w, out: dx, geometry: g }), narrowColumns(cin)),
  [`GEMM [${rows}x${k}]·[${k}x${c}]`, () => gemm(rows, c, k, false, false, cols, w, y)],
  [`GEMM [${k}x${rows}]·[${rows}x${c}]`, () => gemm(k, c, rows, true, false, cols, y, dw)],
  [`GEMM [${rows}x${c}]·[${c}x${k}]`, () => gemm(rows, k, c, false, true, y, w, cols)],
];
const times = cases.map(() => [] as number[]);
for (const [, run] of cases) run(); // warm-up: first-call allocation and page faults
for (let round = 0; round < Number(values.rounds); round++) {
  cases.forEach(([, run], i) => {
    const start = performance.now();
    run();
    times[i]!.push(performance.now() - start);
  });
}
console.log(`conv 3x3, ${n} x ${size} x ${size} x ${cin} -> ${c} filters; median ms of ${values.rounds} rounds`);
cases.forEach(([name], i) => {
  const sorted = times[i]!.sort((a, b) => a - b);
  console.log(`${name.padEnd(36)} ${sorted[sorted.length >> 1]!.toFixed(2)}`);
});
