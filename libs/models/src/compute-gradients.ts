import { InvalidArgumentError } from '@ringtrain/common';
import * as tf from '@tensorflow/tfjs';
import { meanCrossEntropy } from './cross-entropy.js';
import { denseStackOf } from './dense-stack/dense-stack.js';
import { denseStackGradients } from './dense-stack/dense-stack-gradients.js';
import { checkLabels, perSampleLoss } from './loss.js';
import { countParams, paramSegments } from './flat-weights.js';
import { withGradientHooks, type GradientReadyHook } from './gradient-hooks.js';
import { nativeBlasInUse, nativeKernelsUsable } from './wasm-kernels/native-blas-in-use.js';

export interface GradientResult {
  /** The batch's mean loss, not multiplied by lossScale (what a log or report shows). */
  loss: number;
}

/**
 * One forward and backward pass in training mode: writes lossScale · ∂L/∂θ into `out`, in the flat params
 * layout, where L is the mean loss over the batch (see loss.ts: softmax cross-entropy for int32 labels, mean
 * squared error for float32 targets) and θ the trainable weights. Like torch's `(loss * scale).backward()`,
 * except that `out` is overwritten, not added to (the caller accumulates). Batchnorm layers normalise with the
 * batch statistics and update their moving statistics, as in any training step. Leaves no tensors behind;
 * `xs` and `ys` stay the caller's.
 *
 * @param xs inputs [N, ...inputShape]
 * @param ys int32 [N] class ids, or float32 [N] / [N, T] regression targets
 * @param out the gradient, countParams(model) elements
 * @param lossScale factor on the loss before differentiation: 1/accumSteps when accumulating. Default 1.
 * @param onReady called with a weight's index (model order) as soon as the backward pass has written its gradient
 *   into `out`, last layers first: the hook that lets communication of one bucket start while the backward pass
 *   goes on (see gradient-hooks.ts). It must not touch the model or make tensors (a dense stack's step keeps views
 *   into the wasm memory across the call, which an allocation there can detach).
 */
export function computeGradients(model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor, out: Float32Array, lossScale = 1, onReady?: GradientReadyHook): GradientResult {
  if (!(Number.isFinite(lossScale) && lossScale > 0)) {
    throw new InvalidArgumentError(`lossScale must be a positive finite number, got ${lossScale}`, { subject: 'lossScale' });
  }
  const expected = countParams(model);
  if (out.length !== expected) {
    throw new InvalidArgumentError(`grads has ${out.length} elements, the model has ${expected}`, { subject: 'grads' });
  }
  checkLabels(model, xs, ys);
  const weights = model.trainableWeights;
  const offsets = paramSegments(model).map((segment) => segment.offset);
  const stack = ys.dtype === 'int32' && nativeKernelsUsable(xs) ? denseStackOf(model, weights) : undefined;
  if (stack !== undefined && tf.util.arraysEqual(xs.shape.slice(1), stack.inputShape)) {
    // A stack of dense layers trains without the tfjs engine (dense-stack-gradients.ts); a batch of another
    // shape goes on to the engine path, whose error names it.
    return { loss: denseStackGradients(stack, nativeBlasInUse()!, xs, ys.dataSync() as Int32Array, out, offsets, lossScale, onReady) };
  }
  const variables = weights.map((weight) => weight.read() as tf.Variable);
  let loss = NaN;
  let meanLoss: tf.Scalar | undefined;
  try {
    // The hooks write every gradient into `out` during the backward pass; variableGrads' own result is dropped
    // (by the tidy: the block returns nothing, so nothing escapes it).
    tf.tidy(() => {
      withGradientHooks(weights, offsets, out, onReady, () =>
        tf.variableGrads(() => {
          const outputs = model.apply(xs, { training: true }) as tf.Tensor2D;
          if (ys.dtype === 'int32') {
            // One op with its own gradient instead of ~60 kernel calls (cross-entropy.ts).
            const crossEntropy = meanCrossEntropy(outputs, ys as tf.Tensor1D, lossScale);
            loss = crossEntropy.loss;
            return crossEntropy.value;
          }
          meanLoss = tf.keep(tf.mean(perSampleLoss(outputs, ys)) as tf.Scalar);
          return tf.mul(meanLoss, lossScale);
        }, variables),
      );
    });
    return { loss: meanLoss === undefined ? loss : meanLoss.dataSync()[0]! };
  } finally {
    meanLoss?.dispose();
  }
}
