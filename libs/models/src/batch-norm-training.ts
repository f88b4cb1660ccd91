// Batch normalisation in training mode as one op with its gradient written out. tfjs's BatchNormalization layer
// differentiates through tf.moments and the FusedBatchNorm gradient op by op - about twenty passes over the
// activation in the backward pass, among them a Tile of the scale to the activation's shape and a JavaScript
// array of ones per mean. The closed form needs two channel sums and a few elementwise passes: a cnn step on
// wasm takes ~16% less with it (measured with the kernels of wasm-kernels/ in place).
//
// Over the M = N·H·W values of one channel (the reduced axes are every axis but the last):
//
//   forward:   μ = (1/M) Σ x,   σ² = (1/M) Σ (x − μ)²   (biased, as tf.moments and torch),
//              x̂ = (x − μ) / sqrt(σ² + ε),   y = γ·x̂ + β
//   backward:  ∂L/∂β = Σ dy,   ∂L/∂γ = Σ dy·x̂,
//              ∂L/∂x = γ / (M·sqrt(σ² + ε)) · (M·dy − ∂L/∂β − x̂·∂L/∂γ)
//
// (the last line is the usual simplification of the chain rule through μ and σ², e.g. Ioffe & Szegedy 2015).
// μ and σ² are outputs too, for the moving averages; nothing is differentiated through them.
//
// y itself is computed as the per-channel affine map y = a·x + b with a = γ/sqrt(σ² + ε), b = β − μ·a: two
// broadcasting passes, where the wasm FusedBatchNorm kernel (tf.batchNorm) takes ~4x as long for one.
//
// On wasm with the native addon in use (`--blas`, wasm-kernels/batch-norm-kernels.ts) both directions are one
// kernel each, a few passes in all; otherwise they compose tfjs ops.

import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_KERNEL } from './wasm-kernels/batch-norm-kernels.js';
import { nativeKernelsUsable } from './wasm-kernels/native-blas-in-use.js';

export interface BatchNormTrainingResult {
  y: tf.Tensor;
  /** The batch mean, kept out of every tidy scope: the caller disposes it. */
  mean: tf.Tensor1D;
  /** The batch variance (biased), kept like mean. */
  variance: tf.Tensor1D;
}

/** γ·(x − μ)/sqrt(σ² + ε) + β as a·x + b, channels last (μ, σ², γ, β of the channel count). */
export function normalize(x: tf.Tensor, mean: tf.Tensor1D, variance: tf.Tensor1D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor {
  return tf.tidy(() => {
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, epsilon)));
    return tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(mean, scale)));
  });
}

type Forward = (x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, save: tf.GradSaveFunc) => {
  value: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
};

/** The whole layer as the backend's two kernels (RingtrainBatchNorm, RingtrainBatchNormGrad). */
const kernelForward: Forward = (x, gamma, beta, epsilon, save) => {
  const [value, mean, variance, inverseStd] = tf.engine().runKernel(BATCH_NORM_KERNEL, { x, gamma, beta }, { epsilon }) as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
  save([x, mean, inverseStd, gamma]);
  return {
    value,
    mean,
    variance,
    gradFunc: (dy, [xSaved, meanSaved, inverseStdSaved, gammaSaved]) =>
      tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, { dy, x: xSaved!, mean: meanSaved!, inverseStd: inverseStdSaved!, gamma: gammaSaved! }) as tf.Tensor[],
  };
};

/** The same with tfjs ops, for backends without those kernels. */
const opsForward: Forward = (x, gamma, beta, epsilon, save) => {
  const axes = x.shape.slice(0, -1).map((_, axis) => axis);
  const count = x.size / x.shape[x.rank - 1]!;
  const { mean, variance } = tf.moments(x, axes) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
  save([x, mean, tf.rsqrt(tf.add(variance, epsilon)), gamma]);
  return {
    value: normalize(x, mean, variance, gamma, beta, epsilon),
    mean,
    variance,
    gradFunc: (dy, saved) => {
      const [xSaved, meanSaved, inverseStdSaved, scaleSaved] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const normalized = tf.mul(tf.sub(xSaved, meanSaved), inverseStdSaved);
      const dBeta = tf.sum(dy, axes);
      const dGamma = tf.sum(tf.mul(dy, normalized), axes);
      const centered = tf.sub(tf.sub(tf.mul(dy, count), dBeta), tf.mul(normalized, dGamma));
      const dx = tf.mul(centered, tf.div(tf.mul(scaleSaved, inverseStdSaved), count));
      return [dx, dGamma, dBeta];
    },
  };
};

/** y = γ·x̂ + β with the statistics of this batch, channels last; differentiable in x, γ and β. */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormTrainingResult {
  const forward = nativeKernelsUsable(x) ? kernelForward : opsForward;
  // tf.customGrad ops have a single output, so the statistics leave through this closure.
  let statistics: { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, scale, offset, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const { value, mean, variance, gradFunc } = forward(input, scale, offset, epsilon, save);
    statistics = { mean: tf.keep(mean), variance: tf.keep(variance) };
    return { value, gradFunc };
  });
  const y = op(x, gamma, beta);
  return { y, ...statistics! };
}
