import * as tf from '@tensorflow/tfjs';
import { checkLabels, perSampleLoss } from './loss.js';

/** Sums over one evaluation batch, so batches (and ranks) add up: mean loss = Σ lossSum / Σ count. */
export interface EvaluationSums {
  /** Σ_i loss_i over the batch (loss.ts). */
  lossSum: number;
  /** Samples whose largest logit is their label; always 0 for regression targets. */
  correct: number;
  /** Samples in the batch. */
  count: number;
}

/**
 * Runs the model in inference mode (batchnorm uses its moving statistics and leaves them alone) and returns the
 * batch's sums. Leaves no tensors behind.
 *
 * @param xs inputs [N, ...inputShape]
 * @param ys int32 [N] class ids, or float32 [N] / [N, T] regression targets
 */
export function evaluate(model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor): EvaluationSums {
  checkLabels(model, xs, ys);
  const sums = tf.tidy(() => {
    const outputs = model.apply(xs, { training: false }) as tf.Tensor2D;
    const lossSum = tf.sum(perSampleLoss(outputs, ys));
    const correct = ys.dtype === 'int32' ? tf.sum(tf.cast(tf.equal(tf.argMax(outputs, 1), ys), 'float32')) : tf.scalar(0);
    return tf.stack([lossSum, correct]);
  });
  const [lossSum, correct] = sums.dataSync();
  sums.dispose();
  return { lossSum: lossSum!, correct: correct!, count: xs.shape[0]! };
}
