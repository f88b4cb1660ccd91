// The cnn's BatchNorm layer against tfjs's own BatchNormalization layer with the same settings: the same outputs,
// gradients and moving statistics, in training and in inference mode.

import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchNorm } from '../src/batch-norm.js';
import { useNativeBlas } from '../src/wasm-kernels/native-blas-in-use.js';
import { expectAllClose, normalValues, useBackend } from './helpers.js';
import { nativeBlasExpected, openedBlas } from './native-blas-helpers.js';

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

const native = openedBlas.ok ? openedBlas.blas : undefined;
afterEach(() => useNativeBlas(undefined));

// 'wasm + native': the layer as the two native-addon kernels (batch-norm-kernels.ts); plain wasm composes tfjs ops.
describe.each(['cpu', 'wasm', 'wasm + native'] as const)('BatchNorm on %s', (setting) => {
  it.skipIf(setting === 'wasm + native' && native === undefined && !nativeBlasExpected)(
    'matches tfjs BatchNormalization: outputs, gradients in x, γ, β, moving statistics',
    async () => {
      await useBackend(setting === 'cpu' ? 'cpu' : 'wasm');
      const ours = (() => {
        useNativeBlas(setting === 'wasm + native' ? native : undefined);
        try {
          return run(new BatchNorm({ name: 'ours', ...SETTINGS }));
        } finally {
          useNativeBlas(undefined);
        }
      })();
      const reference = run(tf.layers.batchNormalization({ name: 'reference', ...SETTINGS }));
      expectAllClose(ours.y, reference.y);
      ours.grads.forEach((grad, i) => expectAllClose(grad, reference.grads[i]!, 1e-4));
      ours.state.forEach((state, i) => expectAllClose(state, reference.state[i]!));
      expectAllClose(ours.inference, reference.inference);
    },
  );
});

/** The kernel names one training forward and backward pass of a BatchNorm layer runs on wasm. */
async function kernelsOfOneStep(): Promise<Set<string>> {
  await useBackend('wasm');
  const layer = new BatchNorm({ name: 'kernels', ...SETTINGS });
  const x = tf.tensor(normalValues(SHAPE, 5), SHAPE);
  layer.apply(x);
  const before = tf.memory().numTensors;
  const profile = await tf.profile(() => {
    const [dx] = tf.grads((input: tf.Tensor) => tf.sum(layer.apply(input, { training: true }) as tf.Tensor))([x]);
    dx!.dispose();
  });
  expect(tf.memory().numTensors).toBe(before);
  x.dispose();
  layer.dispose();
  return new Set(profile.kernels.map((kernel) => kernel.name));
}

it.skipIf(native === undefined && !nativeBlasExpected)('runs as the two batch-norm kernels on wasm with the native addon in use', async () => {
  useNativeBlas(native);
  const kernels = await kernelsOfOneStep();
  expect(kernels).toContain('RingtrainBatchNorm');
  expect(kernels).toContain('RingtrainBatchNormGrad');
  expect(kernels).not.toContain('Square'); // tf.moments' variance
});

it('composes tfjs ops on wasm without the native addon', async () => {
  const kernels = await kernelsOfOneStep();
  expect(kernels).not.toContain('RingtrainBatchNorm');
  expect(kernels).toContain('Square');
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
