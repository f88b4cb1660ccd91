// A gathered batch as the tensors computeGradients and evaluate take: inputs [N, ...inputShape]; labels int32 [N]
// for classification, float32 [N, targetSize] for regression.

import type { Batch, Dataset } from '@ringtrain/data';
import * as tf from '@tensorflow/tfjs';

export function batchTensors(dataset: Dataset, batch: Batch): { xs: tf.Tensor; ys: tf.Tensor; dispose: () => void } {
  const xs = tf.tensor(batch.inputs, [batch.size, ...dataset.inputShape], 'float32');
  const ys =
    dataset.task === 'classification'
      ? tf.tensor1d(batch.labels as Int32Array, 'int32')
      : tf.tensor2d(batch.labels as Float32Array, [batch.size, dataset.targetSize], 'float32');
  return { xs, ys, dispose: () => tf.dispose([xs, ys]) };
}
