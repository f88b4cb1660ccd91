// The cnn's BatchNorm layer against tfjs's own BatchNormalization layer with the same settings: the same outputs,
// gradients and moving statistics, in training and in inference mode.

import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BatchNorm } from '../src/batch-norm.js';
import { expectAllClose, normalValues, useBackend } from './helpers.js';

const SETTINGS = { momentum: 0.9, epsilon: 1e-5 };
const SHAPE = [3, 4, 5, 6];

interface Run {
  y: Float32Array;
  grads: Float32Array[];
  state: Float32Array[];
  inference: Float32Array;
}

/** One training forward/backward of `layer` (weights γ, β set to fixed values), then one inference pass. */
function run(layer: tf.layers.Layer): Run {
  const x = tf.tensor(normalValues(SHAPE, 1).map((v) => 3 * v + 2), SHAPE);
  const weights = tf.tidy(() => [tf.tensor1d(normalValues([6], 2)), tf.tensor1d(normalValues([6], 3)), tf.zeros([6]), tf.ones([6])]);
  layer.apply(x); // builds the weights
  layer.setWeights(weights);
  // L = Σ y·r for a fixed r, so ∂L/∂y = r
  const r = tf.tensor(normalValues(SHAPE, 4), SHAPE);
  const [gamma, beta] = layer.trainableWeights.map((w) => w.read());
  let y: Float32Array | undefined;
  const grads = tf.grads((input: tf.Tensor) => {
    const out = layer.apply(input, { training: true }) as tf.Tensor;
    y = out.dataSync() as Float32Array;
    return tf.sum(tf.mul(out, r));
  })([x, gamma!, beta!]);
  const result = {
    y: y!,
    grads: grads.map((g) => g.dataSync() as Float32Array),
    state: layer.nonTrainableWeights.map((w) => w.read().dataSync() as Float32Array),
    inference: tf.tidy(() => (layer.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array),
  };
  tf.dispose([x, r, ...weights, ...grads]);
  return result;
}

describe.each(['cpu', 'wasm'] as const)('BatchNorm on %s', (backend) => {
  it('matches tfjs BatchNormalization: outputs, gradients in x, γ, β, moving statistics', async () => {
    await useBackend(backend);
    const ours = run(new BatchNorm({ name: 'ours', ...SETTINGS }));
    const reference = run(tf.layers.batchNormalization({ name: 'reference', ...SETTINGS }));
    expectAllClose(ours.y, reference.y);
    ours.grads.forEach((grad, i) => expectAllClose(grad, reference.grads[i]!, 1e-4));
    ours.state.forEach((state, i) => expectAllClose(state, reference.state[i]!));
    expectAllClose(ours.inference, reference.inference);
  });
});

it('has the weights of tfjs BatchNormalization, in its order', async () => {
  await useBackend('cpu');
  const layer = new BatchNorm({ name: 'bn', ...SETTINGS });
  layer.apply(tf.zeros([1, 2, 2, 3]));
  expect(layer.weights.map((w) => [w.originalName, w.shape, w.trainable])).toEqual([
    ['bn/gamma', [3], true],
    ['bn/beta', [3], true],
    ['bn/moving_mean', [3], false],
    ['bn/moving_variance', [3], false],
  ]);
});
