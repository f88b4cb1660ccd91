import { describe, expect, it } from 'vitest';
import { makeSyntheticDataset } from './synthetic.js';

describe('synthetic', () => {
  it('describes itself as regression on [inputDim] vectors with one float target', () => {
    const dataset = makeSyntheticDataset({ numTrain: 10, numTest: 4, inputDim: 3 });
    expect(dataset).toMatchObject({ name: 'synthetic', task: 'regression', inputShape: [3], numClasses: 0, targetSize: 1, numTrain: 10, numTest: 4 });
    expect(dataset.train.inputs).toHaveLength(30);
    expect(dataset.train.labels).toBeInstanceOf(Float32Array);
    expect(dataset.weights).toHaveLength(3);
  });

  it('with noise 0, every label is exactly fround(x . w + b)', () => {
    const { train, test, weights, bias } = makeSyntheticDataset({ numTrain: 200, numTest: 50, inputDim: 5, noise: 0, seed: 3 });
    for (const split of [train, test]) {
      for (let i = 0; i < split.size; i++) {
        let y = bias;
        for (let j = 0; j < 5; j++) y += split.inputs[i * 5 + j]! * weights[j]!;
        expect(split.labels[i]).toBe(Math.fround(y));
      }
    }
  });

  it('draws x, w and b from U(-1, 1): x has mean 0 and variance 1/3', () => {
    // 4096 * 8 draws: sd of the mean = sqrt(1/3 / 32768) = 0.0032; sd of the variance ~ sqrt(4/45 / 32768) = 0.0016.
    const { train, weights, bias } = makeSyntheticDataset({ numTrain: 4096, inputDim: 8, seed: 1 });
    const xs = Array.from(train.inputs);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(5 * 0.0032);
    expect(Math.abs(variance - 1 / 3)).toBeLessThan(5 * 0.0016);
    expect(Math.max(...xs.map(Math.abs), ...Array.from(weights, Math.abs), Math.abs(bias))).toBeLessThanOrEqual(1);
  });

  it('adds Gaussian noise of the requested standard deviation: residuals y - (x . w + b) have mean 0, sd 0.1', () => {
    // n = 8192: sd of the residual mean = 0.1 / sqrt(n) = 0.0011; sd of the sample sd = 0.1 / sqrt(2n) = 0.00078.
    const n = 8192;
    const { train, weights, bias } = makeSyntheticDataset({ numTrain: n, inputDim: 4, noise: 0.1, seed: 2 });
    const residuals = Array.from({ length: n }, (_, i) => {
      let y = bias;
      for (let j = 0; j < 4; j++) y += train.inputs[i * 4 + j]! * weights[j]!;
      return train.labels[i]! - y;
    });
    const mean = residuals.reduce((s, r) => s + r, 0) / n;
    const sd = Math.sqrt(residuals.reduce((s, r) => s + (r - mean) ** 2, 0) / n);
    expect(Math.abs(mean)).toBeLessThan(5 * 0.0011);
    expect(Math.abs(sd - 0.1)).toBeLessThan(5 * 0.00078);
  });

  it('is deterministic per seed and differs across seeds; train and test differ', () => {
    const a = makeSyntheticDataset({ seed: 4 });
    const b = makeSyntheticDataset({ seed: 4 });
    const c = makeSyntheticDataset({ seed: 5 });
    expect(Array.from(b.train.labels)).toEqual(Array.from(a.train.labels));
    expect(Array.from(c.weights)).not.toEqual(Array.from(a.weights));
    expect(Array.from(a.test.inputs.subarray(0, 8))).not.toEqual(Array.from(a.train.inputs.subarray(0, 8)));
  });

  it('rejects a negative noise and an empty input', () => {
    expect(() => makeSyntheticDataset({ noise: -0.1 })).toThrow('synthetic.noise must be a finite number >= 0, got -0.1');
    expect(() => makeSyntheticDataset({ inputDim: 0 })).toThrow(/synthetic.inputDim/);
  });
});
