// The gradient-ready hook: every weight's gradient is announced exactly once, from the last layer back, and is
// already in place (final) when announced - what lets a bucket's all-reduce start during the backward pass.

import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { computeGradients, countParams, createModel, paramSegments } from '../src/index.js';
import { normalValues, useBackend } from './helpers.js';

describe.each(['mlp', 'cnn'] as const)('gradient hooks on %s', (name) => {
  it('announce each weight once, last layers first, with its final gradient already written', async () => {
    await useBackend('wasm');
    const model = createModel(name, { inputShape: [8, 8, 1], numClasses: 3, seed: 4 });
    const segments = paramSegments(model);
    const xs = tf.tensor(normalValues([4, 8, 8, 1], 5), [4, 8, 8, 1]);
    const ys = tf.tensor1d([0, 1, 2, 1], 'int32');
    const hooked = new Float32Array(countParams(model)).fill(Number.NaN);
    const order: number[] = [];
    const atAnnouncement: Float32Array[] = [];
    computeGradients(model, xs, ys, hooked, 1, (index) => {
      order.push(index);
      const { offset, shape } = segments[index]!;
      atAnnouncement[index] = hooked.slice(offset, offset + shape.reduce((a, b) => a * b, 1));
    });
    // Every weight once; the output layer's weights (the last two: kernel and bias) come before the first layer's.
    expect([...order].sort((a, b) => a - b)).toEqual(segments.map((_, i) => i));
    expect(order.indexOf(segments.length - 1)).toBeLessThan(order.indexOf(0));
    expect(order.indexOf(segments.length - 2)).toBeLessThan(order.indexOf(0));
    // What a hook saw is the final gradient, and the same as without hooks.
    const plain = new Float32Array(countParams(model));
    computeGradients(model, xs, ys, plain);
    segments.forEach(({ offset }, i) => expect(atAnnouncement[i]).toEqual(plain.subarray(offset, offset + atAnnouncement[i]!.length)));
    expect(hooked).toEqual(plain);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});

/** A layer that owns a trainable weight its output does not depend on. */
class IdleWeight extends tf.layers.Layer {
  static className = 'IdleWeight';
  override build(): void {
    this.addWeight('idle', [3], 'float32', tf.initializers.ones());
    this.built = true;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return Array.isArray(inputs) ? inputs[0]! : inputs;
  }
}

describe('gradient hooks and a weight the loss does not reach', () => {
  it('zero its gradient and announce it, instead of leaving old values', async () => {
    await useBackend('cpu');
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2, kernelInitializer: 'ones' }), new IdleWeight({})] });
    const out = new Float32Array(countParams(model)).fill(7);
    const announced: number[] = [];
    const xs = tf.tensor2d([[1, 2]]);
    const ys = tf.tensor1d([1], 'int32');
    computeGradients(model, xs, ys, out, 1, (i) => announced.push(i));
    // kernel [2,2] + bias [2] + idle [3]: the idle weight's 3 values are 0, and all three weights were announced.
    expect([...out.subarray(6)]).toEqual([0, 0, 0]);
    expect(announced.sort()).toEqual([0, 1, 2]);
    tf.dispose([xs, ys]);
  });
});
