import * as tf from '@tensorflow/tfjs';
import { flatInput } from './flat-input.js';
import { kernelInitializer } from './layer-initializers.js';
import type { ResolvedModelOptions } from './model-options.js';

/** Hidden widths of `mlp`: on 28x28 images it is the classic 784-512-256-10. */
const MLP_HIDDEN_UNITS = [512, 256] as const;

/** `mlp`: flatten, dense 512 relu, dense 256 relu, dense outputs. */
export function buildMlp({ inputShape, outputs, seed }: ResolvedModelOptions): tf.Sequential {
  const hidden = MLP_HIDDEN_UNITS.map((units, index) =>
    tf.layers.dense({ units, activation: 'relu', kernelInitializer: kernelInitializer(seed, index), name: `dense${index + 1}` }),
  );
  const output = tf.layers.dense({ units: outputs, kernelInitializer: kernelInitializer(seed, hidden.length), name: 'output' });
  return tf.sequential({ name: 'mlp', layers: [flatInput(inputShape), ...hidden, output] });
}
