import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createModel, evaluate, getFlatState, setFlatParams } from '../src/index.js';
import { normalValues, scoped, useBackend } from './helpers.js';

describe.each(['cpu', 'wasm'] as const)('evaluate on %s', (backend) => {
  it('sums the per-sample cross-entropy and counts the correct argmaxes', async () => {
    // linear on 2 features, 3 classes, kernel [[1, 0, -1], [0, 1, 1]], bias 0: logits of x = (a, b) are (a, b, b − a).
    await useBackend(backend);
    const model = createModel('linear', { inputShape: [2], numClasses: 3 });
    setFlatParams(model, Float32Array.from([1, 0, -1, 0, 1, 1, 0, 0, 0]));
    const x = [
      [2, 0], // logits (2, 0, −2): predicts 0
      [0, 1], // (0, 1, 1): tie between 1 and 2, argMax takes the first, 1
      [-1, 1], // (−1, 1, 2): predicts 2
    ];
    const labels = [0, 2, 2]; // right, wrong, right
    const expectedLoss = x
      .map(([a, b]) => [a!, b!, b! - a!])
      .reduce((sum, z, i) => sum + Math.log(z.reduce((s, v) => s + Math.exp(v), 0)) - z[labels[i]!]!, 0);
    const sums = scoped(() => evaluate(model, tf.tensor2d(x), tf.tensor1d(labels, 'int32')));
    expect(sums.count).toBe(3);
    expect(sums.correct).toBe(2);
    expect(sums.lossSum).toBeCloseTo(expectedLoss, 5);
  });

  it('sums the per-sample mean squared error for regression targets, with correct 0', async () => {
    // linear 1 → 1 with w = 2, b = 1: outputs 1, 3, 5 for x = 0, 1, 2; targets 1, 2, 7: errors 0, 1, −2.
    await useBackend(backend);
    const model = createModel('linear', { inputShape: [1], numClasses: 0 });
    setFlatParams(model, Float32Array.from([2, 1]));
    const sums = scoped(() => evaluate(model, tf.tensor2d([[0], [1], [2]]), tf.tensor1d([1, 2, 7])));
    expect(sums).toEqual({ lossSum: 5, correct: 0, count: 3 });
  });

  it('runs batchnorm in inference mode: moving statistics unchanged, no tensors left', async () => {
    await useBackend(backend);
    const model = createModel('cnn', { inputShape: [8, 8, 1], numClasses: 3 });
    const xs = tf.tensor(normalValues([4, 8, 8, 1], 6), [4, 8, 8, 1]);
    const ys = tf.tensor1d([0, 1, 2, 0], 'int32');
    const state = getFlatState(model);
    const before = tf.memory().numTensors;
    const first = evaluate(model, xs, ys);
    expect(evaluate(model, xs, ys)).toEqual(first);
    expect(tf.memory().numTensors).toBe(before);
    expect(getFlatState(model)).toEqual(state);
    tf.dispose([xs, ys]);
  });
});
