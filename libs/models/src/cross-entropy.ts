// Softmax cross-entropy of a training batch as one op with its own gradient. Written with tfjs ops (loss.ts's
// perSampleLoss: one-hot, multiply, sum, logSumExp, mean) it is ~60 kernel calls forward and backward (tf.profile,
// Identity and Reshape included), each with the engine's per-op overhead, on a [N, C] array of a few thousand
// values. Here it is two loops over the logits in float64 (softmax-cross-entropy.ts, where the math is written
// out), one for the loss and the softmax, one for the gradient, and one tensor out each way: 0.52 -> 0.09 ms per
// step on wasm, 2.2 -> 0.09 ms on cpu, for mlp's [128, 10] (`node --import tsx tools/loss-bench.ts [--backend cpu]`).
//
//   value = s · (1/N) Σ_i loss_i,   ∂value/∂z_ic = s · dy · (p_ic − [c = y_i]) / N      (s = scale)
//
// The arithmetic is JavaScript's (float64, rounded to float32 once per output), so it is the same on every
// backend. A NaN or +Infinity logit makes its row's loss NaN (the training loop stops on it); a -Infinity logit
// is a class of probability 0, as in torch: the loss stays finite unless it is the label's (then +Infinity).
// The loss is log Σ exp(z − m) − (z_y − m): the shifted difference stays exact for logits near float32's range.

import * as tf from '@tensorflow/tfjs';
import { softmaxCrossEntropy, softmaxCrossEntropyGradient } from './softmax-cross-entropy.js';
import { float32View } from './wasm-kernels/wasm-memory.js';

export interface CrossEntropy {
  /** scale · mean loss, a scalar to differentiate. */
  value: tf.Scalar;
  /** The mean loss, unscaled (for logs and reports): no read-back of `value` needed. */
  loss: number;
}

/**
 * Mean softmax cross-entropy of `logits` [N, C] against class ids `labels` (int32 [N], each in [0, C): see
 * loss.ts's checkLabels), times `scale`, differentiable with respect to `logits`.
 */
export function meanCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, scale: number): CrossEntropy {
  const [n, c] = logits.shape;
  const classOf = labels.dataSync() as Int32Array;
  let loss = NaN;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const z = args[0] as tf.Tensor2D;
    const values = float32View(z) ?? (z.dataSync() as Float32Array);
    const softmax = new Float64Array(n * c);
    loss = softmaxCrossEntropy(values, classOf, n, c, softmax);
    return {
      value: tf.scalar(loss * scale),
      gradFunc: (dy: tf.Tensor) => {
        const grad = new Float32Array(n * c);
        softmaxCrossEntropyGradient(softmax, classOf, n, c, (scale * dy.dataSync()[0]!) / n, grad);
        return tf.tensor2d(grad, [n, c]);
      },
    };
  });
  return { value: op(logits) as tf.Scalar, loss };
}
