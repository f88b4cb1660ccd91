// A trained model as tfjs saves a LayersModel (model.json + weights.bin), loadable by plain tfjs anywhere:
// tf.loadLayersModel('file://.../model.json') with tfjs-node, over http in a browser, or tf.io.fromMemory. The
// cnn's two ringtrain layers (a conv without its input gradient, batch norm with a closed-form gradient) are
// saved as the tfjs layers they stand for, Conv2D (useBias false) and BatchNormalization, which compute the same
// inference pass with the same weights; every other layer is saved as it is.

import * as tf from '@tensorflow/tfjs';
import { BatchNorm } from './batch-norm.js';
import { Conv2DNoBias } from './conv-layer.js';

/** The file the weights go to; model.json's weightsManifest names it. */
export const WEIGHTS_FILE = 'weights.bin';

export interface ExportedModel {
  /** model.json: tfjs's layers-model format (modelTopology, weightsManifest pointing at WEIGHTS_FILE). */
  modelJson: Record<string, unknown>;
  /** The contents of WEIGHTS_FILE: every weight's float32 values, in the manifest's order. */
  weights: Uint8Array;
}

/**
 * The same model built from tfjs's own layers only, holding `model`'s weights (tfjs shares their data, counted by
 * reference: disposing the twin leaves `model`'s own). Dispose it after use.
 */
function standardModel(model: tf.Sequential): tf.Sequential {
  const layers = model.layers.map((layer) => {
    if (layer instanceof Conv2DNoBias || layer instanceof BatchNorm) return layer.standardTwin();
    // A fresh layer of the same class and configuration (Keras's from_config), so the twin shares nothing with `model`.
    const ctor = layer.constructor as tf.serialization.SerializableConstructor<tf.layers.Layer>;
    return ctor.fromConfig(ctor, layer.getConfig());
  });
  // A layer class of ringtrain's own that has no twin would make a model.json that only ringtrain can load.
  const custom = layers.find((layer) => layer.getClassName().startsWith('Ringtrain'));
  if (custom !== undefined) throw new Error(`exportModel: layer ${custom.name} (${custom.getClassName()}) has no tfjs twin, so plain tfjs could not load the model`);
  const twin = tf.sequential({ name: model.name, layers });
  twin.setWeights(model.getWeights());
  return twin;
}

/** `model` (a zoo model: a Sequential) in tfjs's save format, for files model.json and WEIGHTS_FILE. */
export async function exportModel(model: tf.Sequential): Promise<ExportedModel> {
  const twin = standardModel(model);
  try {
    let saved: tf.io.ModelArtifacts | undefined;
    await twin.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    const { modelTopology, weightSpecs, weightData, format, generatedBy, convertedBy } = saved!;
    // tfjs may hand the weights over in several buffers (WeightData = ArrayBuffer | ArrayBuffer[]): one file's worth.
    const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(weightData));
    const expectedBytes = 4 * model.getWeights().reduce((sum, weight) => sum + weight.size, 0);
    if (weights.byteLength !== expectedBytes) throw new Error(`exportModel: ${weights.byteLength} bytes of weights saved, expected ${expectedBytes}`);
    return {
      modelJson: { format, generatedBy, convertedBy: convertedBy ?? null, modelTopology, weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weightSpecs }] },
      weights,
    };
  } finally {
    twin.dispose();
  }
}
