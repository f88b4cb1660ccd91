// computeGradients against closed forms (linear models, where the gradient of softmax cross-entropy and of the
// mean squared error are a few lines of float64 arithmetic) and, for the cnn, the wasm backend against the cpu
// backend.

import { InvalidArgumentError } from '@ringtrain/common';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { computeGradients, countParams, createModel, getFlatParams, getFlatState, setFlatParams } from '../src/index.js';
import { expectAllClose, normalValues, onCpuAndWasm, scoped, useBackend } from './helpers.js';

// A linear model on D = 3 features, 4 classes, batch N = 5, with fixed weights.
const D = 3;
const C = 4;
const N = 5;
const X = [
  [0.5, -1, 2],
  [1.5, 0.25, -0.5],
  [-2, 1, 0],
  [0, 0, 1],
  [1, 1, 1],
];
const LABELS = [0, 3, 1, 1, 2];
// kernel [D, C] row-major, then bias [C]
const PARAMS = Float32Array.from([0.1, -0.2, 0.3, 0.05, 0.4, 0.0, -0.1, 0.2, -0.3, 0.25, 0.15, -0.05, 0.01, -0.02, 0.03, 0.0]);

/** logits z = x·W + b in float64 (of the float32 parameter values). */
function logits(params: Float32Array, x: number[][], classes: number): number[][] {
  const inputs = x[0]!.length;
  return x.map((row) =>
    Array.from({ length: classes }, (_, c) => row.reduce((sum, value, d) => sum + value * params[d * classes + c]!, params[inputs * classes + c]!)),
  );
}

/**
 * Softmax cross-entropy, mean over the batch:  L = (1/N) Σ_i (logsumexp(z_i) − z_i[y_i])
 *   ∂L/∂z_ic = (softmax(z_i)_c − [c = y_i]) / N,   ∂L/∂W = xᵀ · ∂L/∂z,   ∂L/∂b = Σ_i ∂L/∂z_i
 */
function crossEntropyClosedForm(): { loss: number; grads: number[] } {
  const z = logits(PARAMS, X, C);
  const grads = new Array<number>(PARAMS.length).fill(0);
  let loss = 0;
  z.forEach((row, i) => {
    const max = Math.max(...row);
    const logSumExp = max + Math.log(row.reduce((sum, v) => sum + Math.exp(v - max), 0));
    loss += (logSumExp - row[LABELS[i]!]!) / N;
    row.forEach((v, c) => {
      const dz = (Math.exp(v - logSumExp) - (c === LABELS[i] ? 1 : 0)) / N;
      X[i]!.forEach((x, d) => (grads[d * C + c]! += x * dz));
      grads[D * C + c]! += dz;
    });
  });
  return { loss, grads };
}

describe.each(['cpu', 'wasm'] as const)('computeGradients on %s', (backend) => {
  it('gives the softmax cross-entropy gradient of the mean batch loss for int32 labels', async () => {
    await useBackend(backend);
    const model = createModel('linear', { inputShape: [D], numClasses: C });
    setFlatParams(model, PARAMS);
    const grads = new Float32Array(countParams(model));
    const result = scoped(() => computeGradients(model, tf.tensor2d(X), tf.tensor1d(LABELS, 'int32'), grads));
    const expected = crossEntropyClosedForm();
    expect(result.loss).toBeCloseTo(expected.loss, 6);
    expectAllClose(grads, expected.grads, 1e-6);
  });

  it('multiplies the gradient, not the reported loss, by lossScale', async () => {
    await useBackend(backend);
    const model = createModel('linear', { inputShape: [D], numClasses: C });
    setFlatParams(model, PARAMS);
    const grads = new Float32Array(countParams(model));
    const result = scoped(() => computeGradients(model, tf.tensor2d(X), tf.tensor1d(LABELS, 'int32'), grads, 0.25));
    const expected = crossEntropyClosedForm();
    expect(result.loss).toBeCloseTo(expected.loss, 6);
    expectAllClose(grads, expected.grads.map((g) => g * 0.25), 1e-6);
  });

  it('gives the mean squared error gradient for float32 targets', async () => {
    // T = 2 outputs: L = (1/N) Σ_i (1/T) Σ_t (out_it − y_it)²,  ∂L/∂out_it = 2 (out_it − y_it) / (N·T)
    await useBackend(backend);
    const T = 2;
    const model = createModel('linear', { inputShape: [D], numClasses: 0, targetSize: T });
    const params = PARAMS.slice(0, D * T + T);
    setFlatParams(model, params);
    const targets = X.map((_, i) => [i / 2, 1 - i]);
    const out = logits(params, X, T);
    const expected = new Array<number>(params.length).fill(0);
    let loss = 0;
    out.forEach((row, i) =>
      row.forEach((v, t) => {
        const error = v - targets[i]![t]!;
        loss += (error * error) / (N * T);
        const dOut = (2 * error) / (N * T);
        X[i]!.forEach((x, d) => (expected[d * T + t]! += x * dOut));
        expected[D * T + t]! += dOut;
      }),
    );
    const grads = new Float32Array(params.length);
    const result = scoped(() => computeGradients(model, tf.tensor2d(X), tf.tensor2d(targets), grads));
    expect(result.loss).toBeCloseTo(loss, 6);
    expectAllClose(grads, expected, 1e-6);
  });
});

describe('computeGradients over 20 steps', () => {
  // The cnn on wasm exercises every replacement kernel; the mlp on cpu the plain path (the cnn is slow there:
  // tfjs's cpu Conv2DBackpropFilter reads every element through a TensorBuffer).
  it.each([
    { backend: 'wasm', model: 'cnn' },
    { backend: 'cpu', model: 'mlp' },
  ] as const)('overwrites the output and leaves no tensors behind: $model on $backend', async ({ backend, model: name }) => {
    await useBackend(backend);
    const model = createModel(name, { inputShape: [8, 8, 1], numClasses: 3, seed: 1 });
    const xs = tf.tensor(normalValues([4, 8, 8, 1], 1), [4, 8, 8, 1]);
    const ys = tf.tensor1d([0, 1, 2, 1], 'int32');
    const grads = new Float32Array(countParams(model)).fill(Number.NaN);
    computeGradients(model, xs, ys, grads);
    expect(grads.every(Number.isFinite)).toBe(true);
    // Tensors the engine tracks, and buffers the backend holds (the wasm kernels' intermediates never reach the engine).
    const before = [tf.memory().numTensors, tf.backend().numDataIds()];
    for (let step = 0; step < 20; step++) computeGradients(model, xs, ys, grads);
    expect([tf.memory().numTensors, tf.backend().numDataIds()]).toEqual(before);
    tf.dispose([xs, ys]);
  });
});

describe('computeGradients on the cnn', () => {
  it('gives the same loss and gradient on wasm as on cpu', async () => {
    const xs = normalValues([4, 9, 9, 2], 2);
    const step = () => {
      const model = createModel('cnn', { inputShape: [9, 9, 2], numClasses: 3, seed: 3 });
      const grads = new Float32Array(countParams(model));
      const { loss } = scoped(() => computeGradients(model, tf.tensor(xs, [4, 9, 9, 2]), tf.tensor1d([2, 0, 1, 1], 'int32'), grads));
      model.dispose();
      return { loss, grads };
    };
    const { cpu, wasm } = await onCpuAndWasm(step);
    expect(wasm.loss).toBeCloseTo(cpu.loss, 5);
    expectAllClose(wasm.grads, cpu.grads, 1e-4);
  });

  it('updates the batchnorm moving statistics with momentum 0.9 (torch: 0.1)', async () => {
    // After one step from mean 0, variance 1: mean' = 0.9·0 + 0.1·μ_B, var' = 0.9·1 + 0.1·σ²_B, where μ_B and σ²_B
    // (biased) are the per-channel statistics of conv1's output over batch, rows and columns.
    await useBackend('cpu');
    const model = createModel('cnn', { inputShape: [8, 8, 1], numClasses: 3, seed: 4 });
    const xs = tf.tensor(normalValues([4, 8, 8, 1], 5), [4, 8, 8, 1]);
    const kernel = tf.tensor(getFlatParams(model).slice(0, 288), [3, 3, 1, 32]);
    const { mean, variance } = tf.moments(tf.conv2d(xs as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'valid'), [0, 1, 2]);
    computeGradients(model, xs, tf.tensor1d([0, 1, 2, 0], 'int32'), new Float32Array(countParams(model)));
    const state = getFlatState(model);
    expectAllClose(state.slice(0, 32), Array.from(mean.dataSync(), (m) => 0.1 * m));
    expectAllClose(state.slice(32, 64), Array.from(variance.dataSync(), (v) => 0.9 + 0.1 * v));
  });

  it('rejects a gradient buffer, loss scale or labels that do not fit', async () => {
    await useBackend('cpu');
    const model = createModel('linear', { inputShape: [D], numClasses: C });
    const xs = tf.tensor2d(X);
    const labels = tf.tensor1d(LABELS, 'int32');
    const grads = new Float32Array(countParams(model));
    expect(() => computeGradients(model, xs, labels, new Float32Array(3))).toThrow(InvalidArgumentError);
    expect(() => computeGradients(model, xs, labels, new Float32Array(3))).toThrow('grads has 3 elements, the model has 16');
    expect(() => computeGradients(model, xs, labels, grads, 0)).toThrow('lossScale must be a positive finite number, got 0');
    const before = tf.memory().numTensors;
    expect(() => computeGradients(model, xs, tf.tensor1d([0, 1], 'int32'), grads)).toThrow(
      'labels of dtype int32 and shape [2] do not fit model outputs [5, 4]: expected int32 [5] class ids or float32 [5, 4] targets',
    );
    expect(() => computeGradients(model, xs, tf.zeros([N, 3]), grads)).toThrow('labels of dtype float32 and shape [5, 3]');
    expect(() => computeGradients(model, xs, tf.tensor1d([0, 3, 4, 1, 2], 'int32'), grads)).toThrow('label 4 of sample 2 is not a class id in [0, 4)');
    expect(() => computeGradients(model, xs, tf.tensor1d([0, 3, 1, -1, 2], 'int32'), grads)).toThrow('label -1 of sample 3 is not a class id in [0, 4)');
    expect(tf.memory().numTensors).toBe(before + 4); // the four label tensors made in the expectations, nothing else
  });
});
