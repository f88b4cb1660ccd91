// meanCrossEntropy against the closed form written out below and against the same loss composed of tfjs ops
// (loss.ts's perSampleLoss, differentiated by tfjs), on both backends.

import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { meanCrossEntropy } from '../src/cross-entropy.js';
import { perSampleLoss } from '../src/loss.js';
import { expectAllClose, normalValues, onCpuAndWasm, scoped, useBackend } from './helpers.js';

/** value and ∂value/∂z of meanCrossEntropy(z, labels, scale), the gradient seeded with `dy`. */
function crossEntropyOf(z: tf.Tensor2D, labels: tf.Tensor1D, scale: number, dy = 1): { value: number; loss: number; grad: number[] } {
  return scoped(() => {
    let loss = NaN;
    const f = (logits: tf.Tensor) => {
      const result = meanCrossEntropy(logits as tf.Tensor2D, labels, scale);
      loss = result.loss;
      return result.value;
    };
    const value = f(z).dataSync()[0]!;
    const grad = Array.from(tf.grad(f)(z, tf.scalar(dy)).dataSync());
    return { value, loss, grad };
  });
}

describe('meanCrossEntropy', () => {
  it('gives the loss and gradient of the closed form', async () => {
    await useBackend('wasm');
    // Row 0: z = [0, 0, 0, 0], y = 2: softmax 1/4 each, loss ln 4.
    // Row 1: z = [2, 0, 0, 0], y = 0: softmax [e²/(e²+3), 1/(e²+3) x3], loss ln(e² + 3) − 2.
    // Mean over N = 2, times scale 0.5; ∂/∂z = scale · (softmax − onehot) / N.
    const e2 = Math.exp(2);
    const loss = (Math.log(4) + Math.log(e2 + 3) - 2) / 2;
    const p1 = [e2 / (e2 + 3), 1 / (e2 + 3), 1 / (e2 + 3), 1 / (e2 + 3)];
    const expectedGrad = [0.25, 0.25, 0.25 - 1, 0.25, p1[0]! - 1, p1[1]!, p1[2]!, p1[3]!].map((g) => (0.5 * g) / 2);
    const z = tf.tensor2d([[0, 0, 0, 0], [2, 0, 0, 0]]);
    const labels = tf.tensor1d([2, 0], 'int32');
    const result = crossEntropyOf(z, labels, 0.5);
    expect(result.loss).toBeCloseTo(loss, 14);
    expect(result.value).toBeCloseTo(Math.fround(0.5 * loss), 7);
    expectAllClose(result.grad, expectedGrad, 1e-7);
    // The upstream gradient scales it: dy = 3 triples every entry.
    expectAllClose(crossEntropyOf(z, labels, 0.5, 3).grad, expectedGrad.map((g) => 3 * g), 1e-7);
    tf.dispose([z, labels]);
  });

  it('matches the loss composed of tfjs ops, on cpu and wasm, for logits up to ±40', async () => {
    const [n, c] = [64, 10];
    const logits = Array.from(normalValues([n, c], 5), (v, i) => v * (i % 7 === 0 ? 20 : 2));
    const classes = Array.from({ length: n }, (_, i) => (i * 7) % c);
    const both = await onCpuAndWasm(() =>
      scoped(() => {
        const z = tf.tensor2d(logits, [n, c]);
        const labels = tf.tensor1d(classes, 'int32');
        const composed = (x: tf.Tensor) => tf.mul(tf.mean(perSampleLoss(x as tf.Tensor2D, labels)), 0.25) as tf.Scalar;
        return {
          fused: crossEntropyOf(z, labels, 0.25),
          composed: { value: composed(z).dataSync()[0]!, grad: Array.from(tf.grad(composed)(z).dataSync()) },
        };
      }),
    );
    for (const { fused, composed } of [both.cpu, both.wasm]) {
      expect(fused.value).toBeCloseTo(composed.value, 5);
      expectAllClose(fused.grad, composed.grad, 1e-6);
    }
    // JavaScript arithmetic: the same bits on both backends.
    expect(both.wasm.fused).toEqual(both.cpu.fused);
  });

  it('makes the loss NaN for NaN or +Infinity logits, and treats -Infinity as a class of probability 0, as torch', async () => {
    await useBackend('wasm');
    const labels = tf.tensor1d([0, 1], 'int32');
    for (const bad of [NaN, Infinity]) {
      const z = tf.tensor2d([[0, 1], [0, bad]]);
      expect(crossEntropyOf(z, labels, 1).loss).toBeNaN();
      z.dispose();
    }
    // Row 1 = [0, -Inf, 1] with label 0: softmax [1/(1+e), 0, e/(1+e)], loss ln(1 + e); with label 1: +Infinity.
    const z = tf.tensor2d([[0, 0, 0], [0, -Infinity, 1]]);
    const both = tf.tensor1d([0, 0], 'int32');
    expect(crossEntropyOf(z, both, 1).loss).toBeCloseTo((Math.log(3) + Math.log(1 + Math.E)) / 2, 12);
    expect(crossEntropyOf(z, labels, 1).loss).toBe(Infinity);
    // Near float32's range the shifted form keeps the log term: [3e38, 3e38, 0] with label 0 is ln 2, not 0.
    const big = tf.tensor2d([[Math.fround(3e38), Math.fround(3e38), 0]]);
    expect(crossEntropyOf(big, tf.tensor1d([0], 'int32'), 1).loss).toBeCloseTo(Math.LN2, 12);
    tf.dispose([z, both, big, labels]);
  });

  it('leaves no tensors behind', async () => {
    await useBackend('wasm');
    const z = tf.variable(tf.tensor2d([[1, 2, 3], [0, -1, 5]]));
    const labels = tf.tensor1d([2, 0], 'int32');
    const before = tf.memory().numTensors;
    tf.tidy(() => void tf.variableGrads(() => meanCrossEntropy(z, labels, 1).value, [z]));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([z, labels]);
  });
});
