import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { computeGradients, countParams, createModel } from '../src/index.js';
import { Conv2DNoBias } from '../src/conv-layer.js';
import { expectAllClose, normalValues, useBackend } from './helpers.js';

describe('Conv2DNoBias', () => {
  it('matches tfjs Conv2D (valid, stride 1, no bias) with the same initializer: weights, output, gradients', async () => {
    await useBackend('cpu');
    const initializer = () => tf.initializers.glorotUniform({ seed: 5 });
    const ours = new Conv2DNoBias({ name: 'ours', filters: 4, kernelSize: 3, kernelInitializer: initializer() });
    const reference = tf.layers.conv2d({ name: 'reference', filters: 4, kernelSize: 3, useBias: false, kernelInitializer: initializer() });
    const x = tf.tensor(normalValues([2, 6, 7, 3], 1), [2, 6, 7, 3]);
    const r = tf.tensor(normalValues([2, 4, 5, 4], 2), [2, 4, 5, 4]);
    const outputAndGrads = (layer: tf.layers.Layer) => {
      const y = layer.apply(x) as tf.Tensor;
      expect(layer.computeOutputShape([null, 6, 7, 3])).toEqual([null, 4, 5, 4]);
      // The kernel is the layer's own variable, read inside apply: tf.grads differentiates through it.
      const grads = tf.grads((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, r)))([x, layer.trainableWeights[0]!.read()]);
      return [layer.getWeights()[0]!, y, ...grads].map((t) => t.dataSync());
    };
    const [oursKernel, oursY, oursDx, oursDw] = outputAndGrads(ours);
    const [referenceKernel, referenceY, referenceDx, referenceDw] = outputAndGrads(reference);
    expect(oursKernel).toEqual(referenceKernel);
    expectAllClose(oursY!, referenceY!);
    expectAllClose(oursDx!, referenceDx!);
    expectAllClose(oursDw!, referenceDw!);
  });

  it('spares the cnn the input gradient of its first layer: one Conv2DBackpropInput per step, for conv2', async () => {
    await useBackend('wasm');
    const model = createModel('cnn', { inputShape: [8, 8, 1], numClasses: 3 });
    const xs = tf.tensor(normalValues([2, 8, 8, 1], 3), [2, 8, 8, 1]);
    const ys = tf.tensor1d([0, 2], 'int32');
    const grads = new Float32Array(countParams(model));
    const profile = await tf.profile(() => {
      computeGradients(model, xs, ys, grads);
    });
    const count = (name: string) => profile.kernels.filter((kernel) => kernel.name === name).length;
    expect([count(tf.Conv2DBackpropInput), count(tf.Conv2DBackpropFilter)]).toEqual([1, 2]);
    tf.dispose([xs, ys]);
  });
});
