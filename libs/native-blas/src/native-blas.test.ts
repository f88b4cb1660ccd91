import { describe, expect, it } from 'vitest';
import { openNativeBlas, type Gemm, type NativeBlas } from './index.js';
import { pseudoRandom, skipWithoutBlas, testBlas } from './test-support.js';


/** The product written out: c[i][r][col] = act(Σ_j op(a)[r][j] · op(b)[j][col] + bias[col]), in float64. */
function reference(p: Omit<Gemm, 'c'>): Float64Array {
  const out = new Float64Array(p.batch * p.m * p.n);
  for (let i = 0; i < p.batch; i++) {
    const a0 = (p.batchA === 1 ? 0 : i) * p.m * p.k;
    const b0 = (p.batchB === 1 ? 0 : i) * p.k * p.n;
    for (let r = 0; r < p.m; r++) {
      for (let col = 0; col < p.n; col++) {
        let sum = p.bias ? p.bias[col]! : 0;
        for (let j = 0; j < p.k; j++) {
          const av = p.a[a0 + (p.transposeA ? j * p.m + r : r * p.k + j)]!;
          const bv = p.b[b0 + (p.transposeB ? col * p.k + j : j * p.n + col)]!;
          sum += av * bv;
        }
        out[i * p.m * p.n + r * p.n + col] = p.relu ? Math.max(0, sum) : sum;
      }
    }
  }
  return out;
}

function check(blas: NativeBlas, shape: { m: number; n: number; k: number; batch?: number; batchA?: number; batchB?: number }, flags: { transposeA: boolean; transposeB: boolean; bias: boolean; relu: boolean }) {
  const batch = shape.batch ?? 1;
  const batchA = shape.batchA ?? batch;
  const batchB = shape.batchB ?? batch;
  const p = {
    ...shape, batch, batchA, batchB, ...flags,
    a: pseudoRandom(batchA * shape.m * shape.k, 1),
    b: pseudoRandom(batchB * shape.k * shape.n, 2),
    bias: flags.bias ? pseudoRandom(shape.n, 3) : null,
  };
  // NaN sentinels: every output element must be written, whatever it held.
  const c = new Float32Array(batch * shape.m * shape.n).fill(Number.NaN);
  blas.gemm({ ...p, c });
  const want = reference(p);
  for (let i = 0; i < want.length; i++) {
    // float32 accumulation over k terms of magnitude <= 1: error well under k * 2^-23 * max|partial sum| <= k^2 * 1.2e-7.
    expect(Math.abs(c[i]! - want[i]!)).toBeLessThanOrEqual(1e-6 + 2e-7 * shape.k * Math.max(1, Math.abs(want[i]!)));
  }
}

describe.skipIf(skipWithoutBlas)('native gemm', () => {
  const blas = testBlas;

  it('opens a library that has cblas_sgemm', () => {
    const opened = openNativeBlas();
    expect(opened.ok, opened.ok ? '' : opened.reason).toBe(true);
    expect(blas.library.length).toBeGreaterThan(0);
  });

  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      it(`matches the written-out product (transposeA ${transposeA}, transposeB ${transposeB}, odd sizes)`, () => {
        check(blas, { m: 7, n: 13, k: 5 }, { transposeA, transposeB, bias: false, relu: false });
        check(blas, { m: 33, n: 17, k: 129 }, { transposeA, transposeB, bias: true, relu: false });
      });
    }
  }

  it('adds the bias to every row before the ReLU', () => {
    check(blas, { m: 9, n: 6, k: 4 }, { transposeA: false, transposeB: false, bias: true, relu: true });
    check(blas, { m: 9, n: 6, k: 4 }, { transposeA: true, transposeB: true, bias: false, relu: true });
  });

  it('rounds the product before adding the bias, and keeps NaN through the ReLU, as tfjs\'s MatMul, Add and Relu', () => {
    // k = 2000 spans several of OpenBLAS's blocks of the inner dimension; starting from the bias (BLAS's beta = 1)
    // would add it into partial sums and round differently from product-then-bias.
    const [m, n, k] = [8, 64, 2000];
    const a = pseudoRandom(m * k, 21);
    const b = pseudoRandom(k * n, 22);
    const bias = pseudoRandom(n, 23);
    const product = new Float32Array(m * n);
    blas.gemm({ a, b, c: product, bias: null, batch: 1, batchA: 1, batchB: 1, m, n, k, transposeA: false, transposeB: false, relu: false });
    const c = new Float32Array(m * n);
    blas.gemm({ a, b, c, bias, batch: 1, batchA: 1, batchB: 1, m, n, k, transposeA: false, transposeB: false, relu: true });
    expect(Array.from(c)).toEqual(Array.from(product, (p, i) => Math.max(Math.fround(p + bias[i % n]!), 0)));
    // Rows of NaN and of -1 (k = 1): the ReLU gives NaN and 0.
    const out = new Float32Array(2);
    blas.gemm({ a: new Float32Array([Number.NaN, -1]), b: new Float32Array([1]), c: out, bias: null, batch: 1, batchA: 1, batchB: 1, m: 2, n: 1, k: 1, transposeA: false, transposeB: false, relu: true });
    expect(out[0]).toBeNaN();
    expect(out[1]).toBe(0);
  });

  it('runs every matrix of a batch, with either side broadcast', () => {
    check(blas, { m: 4, n: 3, k: 5, batch: 3 }, { transposeA: false, transposeB: true, bias: true, relu: false });
    check(blas, { m: 4, n: 3, k: 5, batch: 3, batchA: 1 }, { transposeA: true, transposeB: false, bias: false, relu: false });
    check(blas, { m: 4, n: 3, k: 5, batch: 3, batchB: 1 }, { transposeA: false, transposeB: false, bias: false, relu: true });
  });

  it('handles empty dimensions: k = 0 gives the bias (or zeros), m or n = 0 writes nothing', () => {
    const c = new Float32Array(6).fill(Number.NaN);
    const bias = new Float32Array([1, -2, 3]);
    blas.gemm({ a: new Float32Array(0), b: new Float32Array(0), c, bias, batch: 1, batchA: 1, batchB: 1, m: 2, n: 3, k: 0, transposeA: false, transposeB: false, relu: true });
    expect([...c]).toEqual([1, 0, 3, 1, 0, 3]);
    blas.gemm({ a: new Float32Array(0), b: new Float32Array(4), c: new Float32Array(0), bias: null, batch: 1, batchA: 1, batchB: 1, m: 0, n: 2, k: 2, transposeA: false, transposeB: false, relu: false });
  });

  it('refuses lengths that do not match the shapes, before touching memory', () => {
    const base = { bias: null, batch: 1, batchA: 1, batchB: 1, m: 2, n: 2, k: 2, transposeA: false, transposeB: false, relu: false };
    const ok = { ...base, a: new Float32Array(4), b: new Float32Array(4), c: new Float32Array(4) };
    expect(() => blas.gemm({ ...ok, a: new Float32Array(3) })).toThrow(expect.objectContaining({ name: 'RangeError', code: 'E_INVALID_ARGUMENT' }));
    expect(() => blas.gemm({ ...ok, c: new Float32Array(8) })).toThrow(/does not match its shape/);
    expect(() => blas.gemm({ ...ok, bias: new Float32Array(3) })).toThrow(/does not match its shape/);
    expect(() => blas.gemm({ ...ok, batch: 2, batchA: 3 })).toThrow(/batchA and batchB must be 1 or batch/);
    expect(() => blas.gemm({ ...ok, m: -1 })).toThrow(/gemm: m must be an integer >= 0/);
    expect(() => blas.gemm({ ...ok, a: new Float64Array(4) as unknown as Float32Array })).toThrow(/gemm: a must be a Float32Array/);
  });

  it('refuses shapes whose sizes overflow instead of letting a wrapped product match an empty array', () => {
    const empty = new Float32Array(0);
    const huge = 2 ** 30;
    // 16 · 2^30 · 2^30 · 2^30 wraps to 0 in 64 bits: it must not pass as the length of an empty array.
    expect(() => blas.gemm({ a: empty, b: empty, c: empty, bias: null, batch: 16, batchA: 16, batchB: 16, m: huge, n: huge, k: huge, transposeA: false, transposeB: false, relu: false }))
      .toThrow(/does not match its shape/);
  });

  it('reads and writes views at an offset into a larger buffer (as tensors in wasm memory are)', () => {
    const memory = new Float32Array(64).fill(7);
    const a = memory.subarray(3, 7); // [[1, 2], [3, 4]]
    a.set([1, 2, 3, 4]);
    const b = memory.subarray(11, 15); // identity
    b.set([1, 0, 0, 1]);
    const c = memory.subarray(20, 24);
    blas.gemm({ a, b, c, bias: null, batch: 1, batchA: 1, batchB: 1, m: 2, n: 2, k: 2, transposeA: true, transposeB: false, relu: false });
    expect([...c]).toEqual([1, 3, 2, 4]);
    expect(memory[19]).toBe(7);
    expect(memory[24]).toBe(7);
  });

  it('reports and sets the thread count where the library allows it (OpenBLAS)', () => {
    if (blas.threads() === null) {
      expect(blas.setThreads(1)).toBe(false);
      return;
    }
    const before = blas.threads()!;
    expect(blas.setThreads(1)).toBe(true);
    expect(blas.threads()).toBe(1);
    blas.setThreads(before);
    expect(() => blas.setThreads(0)).toThrow(/n must be an integer >= 1/);
  });
});
