import * as tf from '@tensorflow/tfjs';

/**
 * The first layer of a dense model: flatten for image (or any multi-axis) inputs, a plain input layer for
 * vectors (tfjs's Flatten refuses inputs that are already flat).
 */
export function flatInput(inputShape: number[]): tf.layers.Layer {
  return inputShape.length > 1 ? tf.layers.flatten({ inputShape, name: 'flatten' }) : tf.layers.inputLayer({ inputShape, name: 'input' });
}
