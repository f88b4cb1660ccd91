import { InvalidArgumentError } from '@ringtrain/common';
import type * as tf from '@tensorflow/tfjs';
import { buildCnn } from './cnn.js';
import { buildLinear } from './linear.js';
import { buildMlp } from './mlp.js';
import { resolveModelOptions, type ModelOptions, type ResolvedModelOptions } from './model-options.js';

const BUILDERS = {
  linear: buildLinear,
  mlp: buildMlp,
  cnn: buildCnn,
} as const satisfies Record<string, (options: ResolvedModelOptions) => tf.Sequential>;

export type ModelName = keyof typeof BUILDERS;

/** The names `--model` accepts. */
export const MODEL_NAMES = Object.keys(BUILDERS) as ModelName[];

function isModelName(name: string): name is ModelName {
  return Object.hasOwn(BUILDERS, name);
}

/**
 * Builds zoo model `name` (`--model`) for a dataset's input shape and label space, initialised from the seed.
 * The model is not compiled: training goes through computeGradients and the ringtrain optimizers.
 */
export function createModel(name: string, options: ModelOptions): tf.Sequential {
  if (!isModelName(name)) {
    throw new InvalidArgumentError(`unknown model '${name}', expected one of: ${MODEL_NAMES.join(', ')}`, { subject: 'model' });
  }
  return BUILDERS[name](resolveModelOptions(options));
}
