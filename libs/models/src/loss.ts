// The training loss, chosen by the labels' dtype the way the datasets type them (Int32Array class ids,
// Float32Array regression targets):
//
//   classification, ys int32 [N], outputs = logits z [N, C]:
//     loss_i = −log softmax(z_i)[y_i] = logsumexp(z_i) − z_i[y_i]          (torch.nn.CrossEntropyLoss per sample)
//   regression, ys float32 [N] or [N, T], outputs [N, T]:
//     loss_i = (1/T) Σ_t (out_it − y_it)²                                    (torch.nn.MSELoss per sample)
//
// The batch loss is the mean of loss_i over the batch, which is both torch losses' default reduction 'mean'
// (for MSE: Σ_i Σ_t / (N·T) = mean_i of the per-sample means).

import { InvalidArgumentError } from '@ringtrain/common';
import * as tf from '@tensorflow/tfjs';

/**
 * Throws unless `ys` fits the model's outputs for the batch `xs`: N labels, int32 class ids in [0, width) or float32
 * targets of the output width. Checked before the forward pass: an error thrown while tfjs records gradients leaks the
 * tensors it saved for the backward pass.
 */
export function checkLabels(model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor): void {
  const batch = xs.shape[0]!;
  const width = model.outputs[0]!.shape[1]!;
  const fits =
    ys.shape[0] === batch &&
    (ys.dtype === 'int32' ? ys.rank === 1 : ys.dtype === 'float32' && (ys.rank === 1 ? width === 1 : ys.rank === 2 && ys.shape[1] === width));
  if (!fits) {
    throw new InvalidArgumentError(
      `labels of dtype ${ys.dtype} and shape [${ys.shape.join(', ')}] do not fit model outputs [${batch}, ${width}]: ` +
        `expected int32 [${batch}] class ids or float32 [${batch}, ${width}] targets`,
      { subject: 'labels' },
    );
  }
  if (ys.dtype !== 'int32') return;
  // A class id out of range would pick no logit (tfjs's one-hot row of zeros) or an undefined one: say so instead.
  const classes = ys.dataSync();
  const bad = classes.findIndex((y) => !(y >= 0 && y < width));
  if (bad >= 0) {
    throw new InvalidArgumentError(`label ${classes[bad]} of sample ${bad} is not a class id in [0, ${width})`, { subject: 'labels' });
  }
}

/** loss_i for every sample, shape [N]. */
export function perSampleLoss(outputs: tf.Tensor2D, ys: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    if (ys.dtype === 'int32') {
      const picked = tf.sum(tf.mul(outputs, tf.oneHot(ys as tf.Tensor1D, outputs.shape[1])), 1);
      return tf.sub(tf.logSumExp(outputs, 1), picked);
    }
    return tf.mean(tf.squaredDifference(outputs, tf.reshape(ys, outputs.shape)), 1);
  });
}
