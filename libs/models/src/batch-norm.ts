// The cnn's batch normalisation layer: tfjs's BatchNormalization (channels last, with gamma and beta), with the
// training-mode pass replaced by batchNormTraining's closed-form gradient. Same weights in the same order
// (gamma, beta, moving_mean, moving_variance), same moving-average update
//
//   moving ← moving − (1 − momentum)·(moving − batch statistic)
//
// and the same inference pass (normalise with the moving statistics), up to float32 rounding.

import * as tf from '@tensorflow/tfjs';
import { batchNormTraining, normalize } from './batch-norm-training.js';

export interface BatchNormArgs {
  /** Layer name, the prefix of its weights' names ('bn1/gamma'). */
  name: string;
  /** Keras convention: the weight of the old moving value (torch's momentum is 1 − this). */
  momentum: number;
  /** ε added to the variance. */
  epsilon: number;
}

export class BatchNorm extends tf.layers.Layer {
  static readonly className = 'RingtrainBatchNorm';
  private readonly momentum: number;
  private readonly epsilon: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;
  private movingMean!: tf.LayerVariable;
  private movingVariance!: tf.LayerVariable;

  constructor({ name, momentum, epsilon }: BatchNormArgs) {
    super({ name });
    this.momentum = momentum;
    this.epsilon = epsilon;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = [shape[shape.length - 1]!];
    this.gamma = this.addWeight('gamma', channels, 'float32', tf.initializers.ones(), undefined, true);
    this.beta = this.addWeight('beta', channels, 'float32', tf.initializers.zeros(), undefined, true);
    this.movingMean = this.addWeight('moving_mean', channels, 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', channels, 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const gamma = this.gamma.read() as tf.Tensor1D;
      const beta = this.beta.read() as tf.Tensor1D;
      if (kwargs['training'] !== true) {
        return normalize(x, this.movingMean.read() as tf.Tensor1D, this.movingVariance.read() as tf.Tensor1D, gamma, beta, this.epsilon);
      }
      const { y, mean, variance } = batchNormTraining(x, gamma, beta, this.epsilon);
      for (const [moving, batch] of [[this.movingMean, mean], [this.movingVariance, variance]] as const) {
        const old = moving.read();
        moving.write(tf.sub(old, tf.mul(tf.sub(old, batch), 1 - this.momentum)));
      }
      tf.dispose([mean, variance]);
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }

  /**
   * tfjs's own BatchNormalization with the same configuration and weights in the same order, for a saved model
   * that plain tfjs can load (export-model.ts): the same inference pass, up to float32 rounding.
   */
  standardTwin(): tf.layers.Layer {
    const { name, batchInputShape } = super.getConfig() as { name: string; batchInputShape?: tf.Shape };
    return tf.layers.batchNormalization({ name, momentum: this.momentum, epsilon: this.epsilon, ...(batchInputShape ? { batchInputShape } : {}) });
  }
}

tf.serialization.registerClass(BatchNorm);
