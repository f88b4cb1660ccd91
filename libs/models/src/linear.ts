import * as tf from '@tensorflow/tfjs';
import { flatInput } from './flat-input.js';
import { kernelInitializer } from './layer-initializers.js';
import type { ResolvedModelOptions } from './model-options.js';

/** `linear`: flatten + one dense layer (multinomial logistic regression, or linear regression). */
export function buildLinear({ inputShape, outputs, seed }: ResolvedModelOptions): tf.Sequential {
  return tf.sequential({
    name: 'linear',
    layers: [
      flatInput(inputShape),
      tf.layers.dense({ units: outputs, kernelInitializer: kernelInitializer(seed, 0), name: 'dense' }),
    ],
  });
}
