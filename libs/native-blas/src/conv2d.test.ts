import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Conv2DGeometry } from './index.js';
import { pseudoRandom, skipWithoutBlas, testBlas } from './test-support.js';


type Shape = Omit<Conv2DGeometry, 'oh' | 'ow'> & { padBottom: number; padRight: number };

/** The output size of one spatial axis: floor((in + pads − dilated kernel) / stride) + 1. */
const outSize = (size: number, kernel: number, stride: number, dilation: number, pads: number) => Math.floor((size + pads - (dilation * (kernel - 1) + 1)) / stride) + 1;

function geometryOf(s: Shape): Conv2DGeometry {
  const { padBottom, padRight, ...g } = s;
  return { ...g, oh: outSize(s.h, s.kh, s.strideH, s.dilationH, s.padTop + padBottom), ow: outSize(s.w, s.kw, s.strideW, s.dilationW, s.padLeft + padRight) };
}

/**
 * The convolution written out, in float64, all three products from one loop over every (output position, tap):
 *   y[n,oh,ow,co]  += x[n,ih,iw,ci] · W[kh,kw,ci,co]      with ih = oh·s_h − pad_top + kh·d_h, iw likewise
 *   dW[kh,kw,ci,co] += x[n,ih,iw,ci] · dy[n,oh,ow,co]
 *   dx[n,ih,iw,ci]  += dy[n,oh,ow,co] · W[kh,kw,ci,co]     (taps outside the image contribute nothing)
 */
function reference(g: Conv2DGeometry, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const y = new Float64Array(g.n * g.oh * g.ow * g.cout);
  const dW = new Float64Array(w.length);
  const dx = new Float64Array(x.length);
  for (let n = 0; n < g.n; n++) for (let oh = 0; oh < g.oh; oh++) for (let ow = 0; ow < g.ow; ow++) {
    const yAt = ((n * g.oh + oh) * g.ow + ow) * g.cout;
    for (let kh = 0; kh < g.kh; kh++) for (let kw = 0; kw < g.kw; kw++) {
      const ih = oh * g.strideH - g.padTop + kh * g.dilationH;
      const iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
      if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
      for (let ci = 0; ci < g.cin; ci++) {
        const xAt = ((n * g.h + ih) * g.w + iw) * g.cin + ci;
        const wAt = ((kh * g.kw + kw) * g.cin + ci) * g.cout;
        for (let co = 0; co < g.cout; co++) {
          y[yAt + co]! += x[xAt]! * w[wAt + co]!;
          dW[wAt + co]! += x[xAt]! * dy[yAt + co]!;
          dx[xAt]! += dy[yAt + co]! * w[wAt + co]!;
        }
      }
    }
  }
  return { y, dW, dx };
}

/** float32 sums of `terms` products of values in [-1, 1): within terms · 2^-22 of the float64 sum, plus slack. */
function expectClose(actual: Float32Array, want: Float64Array, terms: number): void {
  expect(actual.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(actual[i]! - want[i]!)).toBeLessThanOrEqual(1e-6 + terms * 2.4e-7);
}

const base = { n: 2, h: 7, w: 6, cin: 3, kh: 3, kw: 3, cout: 4, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 };

/** Whether this CPU has AVX-512F (Linux x86-64: /proc/cpuinfo), where the narrow kernels must be in use. */
const avx512 = process.platform === 'linux' && process.arch === 'x64' && /\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));

describe.skipIf(skipWithoutBlas)('native conv2d (im2col + GEMM)', () => {
  const blas = testBlas;
  afterAll(() => blas.narrowKernels(true));

  it('uses its own kernels for 16 and 32 output channels exactly where the CPU has AVX-512, unless turned off', () => {
    expect(blas.narrowKernels()).toBe(avx512);
    expect(blas.narrowKernels(false)).toBe(false);
    expect(blas.narrowKernels()).toBe(false);
    expect(blas.narrowKernels(true)).toBe(avx512);
    expect(() => (blas.narrowKernels as (x: unknown) => boolean)(1)).toThrow(/expects \(enabled\?: boolean\)/);
  });

  // Without AVX-512 both halves run on BLAS (narrowKernels(true) cannot turn the kernels on there).
  describe.each([
    ['on BLAS alone', false],
    ['with the narrow kernels (where the CPU has them)', true],
  ])('%s', (_name, narrow) => {
    it.each([
      { name: "3x3 'valid'", shape: base },
      { name: "3x3 'same' (padding on every side)", shape: { ...base, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 } },
      { name: 'stride 2 with a dropped remainder row, asymmetric padding', shape: { ...base, h: 8, strideH: 2, strideW: 2, padTop: 0, padLeft: 1, padBottom: 1, padRight: 0 } },
      { name: 'strides [3, 2], 2x3 kernel', shape: { ...base, kh: 2, kw: 3, strideH: 3, strideW: 2, padTop: 1, padBottom: 1 } },
      { name: 'dilation 2', shape: { ...base, h: 9, w: 8, dilationH: 2, dilationW: 2 } },
      { name: 'one input channel (the first conv of an image model)', shape: { ...base, cin: 1, cout: 8 } },
      { name: '1x1 pointwise (no im2col)', shape: { ...base, kh: 1, kw: 1 } },
      { name: '1x1 with stride 2 (im2col)', shape: { ...base, kh: 1, kw: 1, strideH: 2, strideW: 2 } },
      // K = 3·3·64 = 576, so one chunk of 2^16 patch floats holds 113 rows: 4·24·24 = 2304 rows take 21 chunks.
      { name: 'more rows than one chunk', shape: { ...base, n: 4, h: 26, w: 26, cin: 64, cout: 2 } },
      // The input gradient of a stride-1 conv is a forward pass over dy with K = 3·3·C_out: 4·26·26 = 2704 rows in 24 chunks.
      { name: 'more rows than one chunk in the input gradient', shape: { ...base, n: 4, h: 26, w: 26, cin: 2, cout: 64 } },
      { name: "'same' with padding beyond the kernel (the input gradient's flipped padding is negative)", shape: { ...base, padTop: 3, padLeft: 4, padBottom: 3, padRight: 4 } },
      // The narrow kernels take 12 rows at a time: 2·5·4 = 40 rows leave 4 over; 32 outputs are two registers a row.
      { name: '32 filters (forward) on 32 channels (input gradient), rows not a multiple of 12', shape: { ...base, h: 7, w: 6, cin: 32, cout: 32 } },
      { name: '16 filters on 16 channels, in several chunks (K = 144: 455 rows a chunk)', shape: { ...base, n: 3, h: 20, w: 20, cin: 16, cout: 16, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 } },
      { name: '32 filters on 1 channel (K = 9, the cnn\'s first conv)', shape: { ...base, cin: 1, cout: 32 } },
      // The filter gradient's kernel takes 12 patch floats at a time: K = 3·3·6 = 54 leaves 6 over.
      { name: '16 filters on 6 channels (K = 54)', shape: { ...base, cin: 6, cout: 16 } },
      { name: '32 filters on 6 channels (K = 54)', shape: { ...base, cin: 6, cout: 32 } },
      // K = 288: 227 rows a chunk, 2·24·24 = 1152 rows in 6 chunks (the filter gradient sums over all of them).
      { name: '32 filters on 32 channels in several chunks', shape: { ...base, n: 2, h: 26, w: 26, cin: 32, cout: 32 } },
      { name: '1x1 pointwise, 32 channels to 32 (no im2col)', shape: { ...base, kh: 1, kw: 1, cin: 32, cout: 32 } },
    ])('forward, filter gradient and input gradient match the written-out conv: $name', ({ shape }) => {
      blas.narrowKernels(narrow);
      const g = geometryOf(shape);
      const x = pseudoRandom(g.n * g.h * g.w * g.cin, 1);
      const w = pseudoRandom(g.kh * g.kw * g.cin * g.cout, 2);
      const dy = pseudoRandom(g.n * g.oh * g.ow * g.cout, 3);
      const want = reference(g, x, w, dy);
      // NaN sentinels: every output element must be written (the gradients are sums, so they must be zeroed first).
      const y = new Float32Array(want.y.length).fill(Number.NaN);
      const dW = new Float32Array(want.dW.length).fill(Number.NaN);
      const dx = new Float32Array(want.dx.length).fill(Number.NaN);
      blas.conv2d({ pass: 'forward', a: x, b: w, out: y, geometry: g });
      blas.conv2d({ pass: 'filterGradient', a: x, b: dy, out: dW, geometry: g });
      blas.conv2d({ pass: 'inputGradient', a: dy, b: w, out: dx, geometry: g });
      expectClose(y, want.y, g.kh * g.kw * g.cin);
      expectClose(dW, want.dW, g.n * g.oh * g.ow);
      expectClose(dx, want.dx, g.kh * g.kw * g.cout);
    });
  });

  it('refuses arrays whose lengths do not match the geometry, and impossible geometries', () => {
    const g = geometryOf(base);
    const x = new Float32Array(g.n * g.h * g.w * g.cin);
    const w = new Float32Array(g.kh * g.kw * g.cin * g.cout);
    const y = new Float32Array(g.n * g.oh * g.ow * g.cout);
    const error = { name: 'RangeError', code: 'E_INVALID_ARGUMENT' };
    expect(() => blas.conv2d({ pass: 'forward', a: x, b: w, out: y.subarray(1), geometry: g })).toThrow(expect.objectContaining(error));
    // The filter gradient's output is filter-sized: y-sized is refused.
    expect(() => blas.conv2d({ pass: 'filterGradient', a: x, b: y, out: y, geometry: g })).toThrow(/length does not match the geometry/);
    expect(() => blas.conv2d({ pass: 'forward', a: x, b: w, out: y, geometry: { ...g, strideH: 0 } })).toThrow(/geometry entries out of range/);
    expect(() => blas.conv2d({ pass: 'forward', a: x, b: w, out: y, geometry: { ...g, padTop: -1 } })).toThrow(/geometry entries out of range/);
  });

  it('refuses geometries whose sizes overflow 64 bits', () => {
    const e = 2 ** 16;
    const geometry = { n: e, h: e, w: e, cin: e, kh: 1, kw: 1, cout: 1, oh: e, ow: e, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padLeft: 0 };
    expect(() => blas.conv2d({ pass: 'forward', a: new Float32Array(0), b: new Float32Array(e), out: new Float32Array(e), geometry })).toThrow(/sizes overflow/);
  });

  it('never reads outside the image, whatever output size the geometry claims', () => {
    // An output far larger than the input allows: every tap outside the image must count as zero padding.
    const g = { ...geometryOf(base), n: 1, oh: 20, ow: 20, padTop: 5, padLeft: 5 };
    const x = pseudoRandom(g.h * g.w * g.cin, 4);
    const w = pseudoRandom(g.kh * g.kw * g.cin * g.cout, 5);
    const y = new Float32Array(g.oh * g.ow * g.cout);
    const dy = pseudoRandom(y.length, 6);
    const dW = new Float32Array(w.length);
    const dx = new Float32Array(x.length);
    blas.conv2d({ pass: 'forward', a: x, b: w, out: y, geometry: g });
    blas.conv2d({ pass: 'filterGradient', a: x, b: dy, out: dW, geometry: g });
    blas.conv2d({ pass: 'inputGradient', a: dy, b: w, out: dx, geometry: g });
    const want = reference(g, x, w, dy);
    expectClose(y, want.y, g.kh * g.kw * g.cin);
    expectClose(dW, want.dW, g.oh * g.ow);
    expectClose(dx, want.dx, g.kh * g.kw * g.cout);
  });
});
