import { InvalidArgumentError } from '@ringtrain/common';

/** What a zoo model is built for: the dataset's sample shape and label space, and the initialisation seed. */
export interface ModelOptions {
  /** Shape of one sample, without the batch dimension: [height, width, channels] for images, [features] for vectors. */
  inputShape: readonly number[];
  /**
   * Classes of a classification dataset: the model outputs that many logits (no softmax; the loss applies it).
   * 0 for a regression dataset, whose model outputs `targetSize` values.
   */
  numClasses: number;
  /** Outputs of a regression model (numClasses 0): the dataset's targetSize. Default 1; ignored for classification. */
  targetSize?: number;
  /** Seed of every initializer: equal seeds give bit-identical weights on every rank and backend. Default 0. */
  seed?: number;
}

/** Options checked and defaulted, as the model builders use them. */
export interface ResolvedModelOptions {
  inputShape: number[];
  /** Width of the last layer: numClasses, or targetSize for regression. */
  outputs: number;
  seed: number;
}

function isCount(value: number, min: number): boolean {
  return Number.isInteger(value) && value >= min;
}

export function resolveModelOptions(options: ModelOptions): ResolvedModelOptions {
  const { inputShape, numClasses, targetSize = 1, seed = 0 } = options;
  if (inputShape.length === 0 || !inputShape.every((dim) => isCount(dim, 1))) {
    throw new InvalidArgumentError(`inputShape must be a non-empty list of positive integers, got [${inputShape.join(', ')}]`, { subject: 'inputShape' });
  }
  if (!isCount(numClasses, 0) || numClasses === 1) {
    throw new InvalidArgumentError(`numClasses must be 0 (regression) or an integer of at least 2, got ${numClasses}`, { subject: 'numClasses' });
  }
  if (numClasses === 0 && !isCount(targetSize, 1)) {
    throw new InvalidArgumentError(`targetSize must be a positive integer, got ${targetSize}`, { subject: 'targetSize' });
  }
  if (!isCount(seed, 0) || seed > 0xffffffff) {
    throw new InvalidArgumentError(`--seed must be an integer in [0, 2^32), got ${seed}`, { subject: 'seed' });
  }
  return { inputShape: [...inputShape], outputs: numClasses > 0 ? numClasses : targetSize, seed };
}
