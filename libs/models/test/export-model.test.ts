// A zoo model saved with exportModel and loaded back by plain tfjs (tf.loadLayersModel from memory, no ringtrain
// layer classes): every weight and every prediction as the trained model's, and only tfjs's own layer classes in
// the file. The batch-norm statistics are moved off their initial values first, so a twin that dropped them would
// show.

import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { computeGradients, countParams, createModel, exportModel, WEIGHTS_FILE } from '../src/index.js';
import { expectAllClose, normalValues, useBackend } from './helpers.js';

/** What tf.loadLayersModel makes of the two files, without touching the disk. */
async function loadExported(modelJson: Record<string, unknown>, weights: Uint8Array): Promise<tf.LayersModel> {
  const [manifest] = modelJson.weightsManifest as Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  expect(manifest!.paths).toEqual([WEIGHTS_FILE]);
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology as object, weightSpecs: manifest!.weights, weightData }));
}

describe.each(['cpu', 'wasm'] as const)('exportModel on %s', (backend) => {
  it.each([
    ['mlp', [28, 28, 1]],
    ['cnn', [10, 10, 1]],
    ['linear', [12]],
  ] as const)('%s: plain tfjs loads it with the same weights and predictions', async (name, inputShape) => {
    await useBackend(backend);
    const model = createModel(name, { inputShape: [...inputShape], numClasses: 3, seed: 11 });
    const xs = tf.tensor(normalValues([4, ...inputShape], 2), [4, ...inputShape]);
    // One training pass: batch norm's moving statistics move (the cnn), as after a run.
    computeGradients(model, xs, tf.tensor1d([0, 1, 2, 1], 'int32'), new Float32Array(countParams(model)));
    const { modelJson, weights } = await exportModel(model);
    const classes = JSON.stringify(modelJson.modelTopology).match(/"class_name":"[A-Za-z0-9]+"/g) ?? [];
    expect(classes.filter((c) => c.includes('Ringtrain'))).toEqual([]);
    const loaded = await loadExported(modelJson, weights);
    const expected = model.getWeights();
    const actual = loaded.getWeights();
    expect(actual.map((w) => w.shape)).toEqual(expected.map((w) => w.shape));
    actual.forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(expected[i]!.dataSync())));
    const ours = model.predict(xs) as tf.Tensor;
    const theirs = loaded.predict(xs) as tf.Tensor;
    expectAllClose(theirs.dataSync(), ours.dataSync(), 1e-5);
    tf.dispose([xs, ours, theirs]);
    loaded.dispose();
    model.dispose();
  });
});

describe('exportModel', () => {
  it('saves the cnn as tfjs layers (Conv2D without bias, BatchNormalization) and leaves no tensors behind', async () => {
    await useBackend('cpu');
    const model = createModel('cnn', { inputShape: [8, 8, 1], numClasses: 2, seed: 3 });
    const before = tf.memory().numTensors;
    const { modelJson, weights } = await exportModel(model);
    expect(tf.memory().numTensors).toBe(before);
    const layers = (modelJson.modelTopology as { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } }).config.layers;
    expect(layers.map((l) => l.class_name)).toEqual(['Conv2D', 'BatchNormalization', 'ReLU', 'Conv2D', 'BatchNormalization', 'ReLU', 'MaxPooling2D', 'Flatten', 'Dense', 'Dense']);
    expect(layers[0]!.config).toMatchObject({ use_bias: false, kernel_size: [3, 3], filters: 32, batch_input_shape: [null, 8, 8, 1] });
    expect(layers[1]!.config).toMatchObject({ momentum: 0.9, epsilon: 1e-5 });
    // float32 values of every weight, trainable or not (batch norm's moving statistics included).
    const values = model.getWeights().reduce((sum, w) => sum + w.size, 0);
    expect(weights.byteLength).toBe(4 * values);
    expect(modelJson).toMatchObject({ format: 'layers-model' });
    model.dispose();
  });
});

describe('exportModel of a model with a layer of its own', () => {
  class RingtrainIdle extends tf.layers.Layer {
    static readonly className = 'RingtrainIdle';
    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return Array.isArray(inputs) ? inputs[0]! : inputs;
    }
  }

  it('refuses to write what plain tfjs could not load', async () => {
    await useBackend('cpu');
    tf.serialization.registerClass(RingtrainIdle);
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 }), new RingtrainIdle({ name: 'idle' })] });
    await expect(exportModel(model)).rejects.toThrow('exportModel: layer idle (RingtrainIdle) has no tfjs twin, so plain tfjs could not load the model');
    model.dispose();
  });
});
