// One rank's copy of everything that must be identical on every rank: the model, its parameters as one flat
// Float32Array (the master copy the optimizer updates; the tfjs variables are refreshed from it after each
// step), its non-trainable state (batchnorm moving statistics), and the optimizer with its slots.

import type { RunConfig } from '@ringtrain/config';
import type { Dataset } from '@ringtrain/data';
import { countParams, createModel, getFlatParams, getFlatState, paramSegments, setFlatParams, setFlatState, type WeightSegment } from '@ringtrain/models';
import { AdamW, SGD, type Optimizer, type OptimizerState } from '@ringtrain/optim';
import { allocateVector } from '@ringtrain/simd';
import type * as tf from '@tensorflow/tfjs';
import { hashFloat32 } from './param-hash.js';

export class Replica {
  readonly params: Float32Array;
  readonly state: Float32Array;
  readonly segments: WeightSegment[];
  readonly optimizer: Optimizer;

  private constructor(readonly model: tf.Sequential, config: RunConfig) {
    // In the SIMD memory (while it has room), with the gradient and the optimizer's slots: the optimizer's kernel
    // updates it in place.
    this.params = getFlatParams(model, allocateVector(countParams(model)));
    this.state = getFlatState(model);
    this.segments = paramSegments(model);
    this.optimizer = createOptimizer(config, countParams(model));
  }

  /** The zoo model `--model` for `dataset`, initialised from `--seed` (identical on every rank before the broadcast). */
  static create(config: RunConfig, dataset: Dataset): Replica {
    const model = createModel(config.model, {
      inputShape: dataset.inputShape,
      numClasses: dataset.numClasses,
      targetSize: dataset.targetSize,
      seed: config.seed,
    });
    return new Replica(model, config);
  }

  /** Writes the flat params and state into the model's variables (after an update, a broadcast, a restore). */
  pushToModel(): void {
    setFlatParams(this.model, this.params);
    setFlatState(this.model, this.state);
  }

  /** Reads the model's non-trainable state (a training forward pass changed it) into the flat copy. */
  pullState(into: Float32Array = this.state): void {
    getFlatState(this.model, into);
  }

  /** SHA-256 of the parameters and state bytes: equal on every rank, or the replicas have diverged. */
  hash(): string {
    return hashFloat32(this.params, this.state);
  }

  /** The tensors' sizes in model order, for the bucket plan. */
  tensorSizes(): number[] {
    return this.segments.map((s) => s.shape.reduce((a, b) => a * b, 1));
  }

  optimizerState(): OptimizerState {
    return this.optimizer.exportState();
  }
}

function createOptimizer(config: RunConfig, size: number): Optimizer {
  if (config.optimizer === 'adamw') {
    return new AdamW(size, { betas: [config.adamBeta1, config.adamBeta2], eps: config.adamEps, weightDecay: config.weightDecay });
  }
  return new SGD(size, { momentum: config.momentum, dampening: config.dampening, nesterov: config.nesterov, weightDecay: config.weightDecay });
}
