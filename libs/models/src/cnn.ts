import { InvalidArgumentError } from '@ringtrain/common';
import * as tf from '@tensorflow/tfjs';
import { BatchNorm } from './batch-norm.js';
import { Conv2DNoBias } from './conv-layer.js';
import { kernelInitializer } from './layer-initializers.js';
import type { ResolvedModelOptions } from './model-options.js';

/** Filters of both convolutions and width of the hidden dense layer. */
const CNN_FILTERS = 32;
const CNN_DENSE_UNITS = 512;

// Two 'valid' 3x3 convolutions take 4 rows and columns, then a 2x2 max-pool needs at least 2 of each.
const MIN_IMAGE_SIZE = 6;

// PyTorch's BatchNorm2d defaults (momentum 0.1 in torch's convention, which is Keras's 0.9; eps 1e-5) rather
// than Keras's (0.99, 1e-3). One difference remains: the moving variance is updated with the biased batch
// variance, as tfjs does, where torch uses the unbiased one.
const BATCHNORM = { momentum: 0.9, epsilon: 1e-5 } as const;

// Kernels fan-in-uniform, as PyTorch's nn.Conv2d and nn.Linear start: with Glorot-uniform ones (2.3x larger on
// the dense layer's 4608 inputs) the first steps at the default LR 0.1 and momentum 0.9 blow the loss up to 6-50
// and often never recover: one epoch of mnist, 2 workers, ended at test accuracy 0.11, 0.11, 0.86, 0.33 (seeds
// 0-3; PyTorch with xavier_uniform_ kernels 0.91, 0.83, 0.13, seeds 0-2, tools/experiments/cnn-init-torch.py);
// with fan-in-uniform ones 0.956, 0.85, 0.94, 0.95 (PyTorch 0.94, 0.95, 0.95). README, "Models".
const KERNELS = 'fan-in-uniform';

/**
 * `cnn`, the classic small CNN (~63 MFLOP per sample forward + backward on 28x28x1):
 * conv 3x3 (32) - batchnorm - relu, conv 3x3 (32) - batchnorm - relu, maxpool 2x2, flatten, dense 512 relu,
 * dense outputs. The convolutions have no bias: the batchnorm after each has one (beta), a conv bias would only
 * be subtracted out again. Needs an image input [height, width, channels] of at least 6x6.
 */
export function buildCnn({ inputShape, outputs, seed }: ResolvedModelOptions): tf.Sequential {
  if (inputShape.length !== 3 || inputShape[0]! < MIN_IMAGE_SIZE || inputShape[1]! < MIN_IMAGE_SIZE) {
    throw new InvalidArgumentError(
      `the cnn model needs images [height, width, channels] of at least ${MIN_IMAGE_SIZE}x${MIN_IMAGE_SIZE}, got inputShape [${inputShape.join(', ')}]`,
      { subject: 'model' },
    );
  }
  const convBlock = (index: number) => [
    new Conv2DNoBias({
      ...(index === 0 ? { inputShape } : {}),
      filters: CNN_FILTERS,
      kernelSize: 3,
      kernelInitializer: kernelInitializer(seed, index, KERNELS),
      name: `conv${index + 1}`,
    }),
    new BatchNorm({ ...BATCHNORM, name: `bn${index + 1}` }),
    tf.layers.reLU({ name: `relu${index + 1}` }),
  ];
  return tf.sequential({
    name: 'cnn',
    layers: [
      ...convBlock(0),
      ...convBlock(1),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: CNN_DENSE_UNITS, activation: 'relu', kernelInitializer: kernelInitializer(seed, 2, KERNELS), name: 'dense' }),
      tf.layers.dense({ units: outputs, kernelInitializer: kernelInitializer(seed, 3, KERNELS), name: 'output' }),
    ],
  });
}
