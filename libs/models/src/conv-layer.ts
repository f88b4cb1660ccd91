// The cnn's convolution layer: a 'valid', stride-1 conv without bias, calling tf.conv2d directly. tfjs's Conv2D
// layer goes through tf.fused.conv2d, whose custom gradient computes the input gradient even when nothing
// needs it - for the first layer, whose input is the data, that is a wasted Conv2DBackpropInput (~4% of a cnn
// step on wasm). tf.conv2d's registered gradient is evaluated per input, so the tape skips it.

import * as tf from '@tensorflow/tfjs';
import type { Initializer } from './layer-initializers.js';

export interface ConvArgs {
  /** Layer name, the prefix of its weight's name ('conv1/kernel'). */
  name: string;
  /** Output channels. */
  filters: number;
  /** Square kernel side. */
  kernelSize: number;
  /** Initializer of the kernel [kernelSize, kernelSize, in, filters]. */
  kernelInitializer: Initializer;
  /** Shape of one input sample, for the first layer of a model. */
  inputShape?: number[];
}

export class Conv2DNoBias extends tf.layers.Layer {
  static readonly className = 'RingtrainConv2DNoBias';
  private readonly filters: number;
  private readonly kernelSize: number;
  private readonly kernelInitializer: Initializer;
  private kernel!: tf.LayerVariable;

  constructor({ name, filters, kernelSize, kernelInitializer, inputShape }: ConvArgs) {
    super(inputShape === undefined ? { name } : { name, inputShape });
    this.filters = filters;
    this.kernelSize = kernelSize;
    this.kernelInitializer = kernelInitializer;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1]!;
    this.kernel = this.addWeight('kernel', [this.kernelSize, this.kernelSize, channels, this.filters], 'float32', this.kernelInitializer, undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, height, width] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const shrink = (size: number | null) => (size === null ? null : size - this.kernelSize + 1);
    return [batch!, shrink(height!), shrink(width!), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
    return tf.conv2d(x, this.kernel.read() as tf.Tensor4D, 1, 'valid');
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize };
  }

  /**
   * tfjs's own Conv2D with the same configuration and the same weight (the kernel), for a saved model that plain
   * tfjs can load (export-model.ts): the same outputs, through tf.fused.conv2d.
   */
  standardTwin(): tf.layers.Layer {
    const { name, batchInputShape } = super.getConfig() as { name: string; batchInputShape?: tf.Shape };
    return tf.layers.conv2d({ name, filters: this.filters, kernelSize: this.kernelSize, useBias: false, ...(batchInputShape ? { batchInputShape } : {}) });
  }
}

tf.serialization.registerClass(Conv2DNoBias);
