import { describe, expect, it } from 'vitest';
import { pseudoRandom, skipWithoutBlas, testBlas } from './test-support.js';


/**
 * Batch norm written out in float64 over `rows` rows of `channels` values (channel d of row r at r·channels + d):
 *   μ = Σx/M, σ² = Σ(x − μ)²/M, x̂ = (x − μ)/sqrt(σ² + ε), y = γ·x̂ + β
 *   ∂β = Σdy, ∂γ = Σ dy·x̂, dx = γ/(M·sqrt(σ² + ε)) · (M·dy − ∂β − x̂·∂γ)
 */
function reference(x: Float32Array, dy: Float32Array, gamma: Float32Array, beta: Float32Array, epsilon: number) {
  const channels = gamma.length;
  const rows = x.length / channels;
  const column = (values: Float32Array | Float64Array, d: number) => Array.from({ length: rows }, (_, r) => values[r * channels + d]!);
  const y = new Float64Array(x.length);
  const dx = new Float64Array(x.length);
  const out = { mean: [] as number[], variance: [] as number[], dGamma: [] as number[], dBeta: [] as number[] };
  for (let d = 0; d < channels; d++) {
    const xs = column(x, d);
    const gs = column(dy, d);
    const mean = xs.reduce((a, b) => a + b, 0) / rows;
    const variance = xs.reduce((a, v) => a + (v - mean) ** 2, 0) / rows;
    const std = Math.sqrt(variance + epsilon);
    const normalized = xs.map((v) => (v - mean) / std);
    const dBeta = gs.reduce((a, b) => a + b, 0);
    const dGamma = gs.reduce((a, g, r) => a + g * normalized[r]!, 0);
    for (let r = 0; r < rows; r++) {
      y[r * channels + d] = gamma[d]! * normalized[r]! + beta[d]!;
      dx[r * channels + d] = (gamma[d]! / (rows * std)) * (rows * gs[r]! - dBeta - normalized[r]! * dGamma);
    }
    out.mean.push(mean);
    out.variance.push(variance);
    out.dGamma.push(dGamma);
    out.dBeta.push(dBeta);
  }
  return { y, dx, ...out };
}

function expectClose(actual: Float32Array, want: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(actual[i]! - want[i]!)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(want[i]!)));
}

describe.skipIf(skipWithoutBlas)('native batch norm', () => {
  const blas = testBlas;

  it.each([
    { rows: 1000, channels: 7 },
    { rows: 3, channels: 32 },
    { rows: 5000, channels: 1 },
  ])('forward and backward match the written-out layer ($rows rows x $channels channels)', ({ rows, channels }) => {
    // An offset and scale far from 0 and 1, so that centring matters.
    const x = pseudoRandom(rows * channels, 1).map((v) => 5 + 3 * v);
    const dy = pseudoRandom(rows * channels, 2);
    const gamma = pseudoRandom(channels, 3);
    const beta = pseudoRandom(channels, 4);
    const epsilon = 1e-5;
    const want = reference(x, dy, gamma, beta, epsilon);
    const perChannel = () => new Float32Array(channels).fill(Number.NaN);
    const f = { y: new Float32Array(x.length).fill(Number.NaN), mean: perChannel(), variance: perChannel(), inverseStd: perChannel() };
    blas.batchNormForward({ x, gamma, beta, epsilon, ...f });
    expectClose(f.y, want.y, 1e-5);
    expectClose(f.mean, want.mean, 1e-6);
    expectClose(f.variance, want.variance, 1e-5);
    expectClose(f.inverseStd, want.variance.map((v) => 1 / Math.sqrt(v + epsilon)), 1e-6);
    const b = { dx: new Float32Array(x.length).fill(Number.NaN), dGamma: perChannel(), dBeta: perChannel() };
    blas.batchNormBackward({ dy, x, mean: f.mean, inverseStd: f.inverseStd, gamma, ...b });
    expectClose(b.dBeta, want.dBeta, 1e-6);
    expectClose(b.dGamma, want.dGamma, 1e-5);
    expectClose(b.dx, want.dx, 1e-4);
  });

  it('refuses arrays that do not fit: per-channel lengths, partial rows, a negative epsilon', () => {
    const c = () => new Float32Array(4);
    const forward = { x: new Float32Array(12), gamma: c(), beta: c(), epsilon: 1e-5, y: new Float32Array(12), mean: c(), variance: c(), inverseStd: c() };
    const error = { name: 'RangeError', code: 'E_INVALID_ARGUMENT' };
    expect(() => blas.batchNormForward({ ...forward, beta: new Float32Array(3) })).toThrow(expect.objectContaining(error));
    expect(() => blas.batchNormForward({ ...forward, x: new Float32Array(10), y: new Float32Array(10) })).toThrow(/whole rows of the channel count/);
    expect(() => blas.batchNormForward({ ...forward, y: new Float32Array(8) })).toThrow(/y must have the length of x/);
    expect(() => blas.batchNormForward({ ...forward, epsilon: -1 })).toThrow(/epsilon must be a number >= 0/);
    const backward = { dy: new Float32Array(12), x: new Float32Array(12), mean: c(), inverseStd: c(), gamma: c(), dx: new Float32Array(12), dGamma: c(), dBeta: c() };
    expect(() => blas.batchNormBackward({ ...backward, dx: new Float32Array(8) })).toThrow(/dy and dx must have the length of x/);
    expect(() => blas.batchNormBackward({ ...backward, dGamma: new Float32Array(5) })).toThrow(/one entry per channel/);
  });
});
