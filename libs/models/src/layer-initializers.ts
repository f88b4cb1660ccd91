// Seeded initialisation. tfjs's seeded initializers draw from seedrandom's alea on the JavaScript side, so a seed
// gives the same numbers on every backend and machine. Each layer gets its own seed derived from the model seed:
// with one seed for all, two layers of the same kernel shape would start identical.
//
// Kernels are Glorot-uniform (Keras's default, U(±sqrt(6 / (fan_in + fan_out)))), biases zero; batchnorm starts
// at gamma 1, beta 0, moving mean 0, moving variance 1. These are tfjs/Keras defaults, not PyTorch's
// (kaiming-uniform with a = sqrt(5)); rank 0's weights are broadcast before step 0 in any case.

import * as tf from '@tensorflow/tfjs';

/** A 32-bit seed for layer `layerIndex` of a model seeded with `seed` (splitmix32 finaliser of their mix). */
export function layerSeed(seed: number, layerIndex: number): number {
  let z = (seed + Math.imul(layerIndex + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** A tfjs-layers initializer (tfjs exports the factories, not the class). */
export type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

/** The kernel initializer of layer `layerIndex`. */
export function kernelInitializer(seed: number, layerIndex: number): Initializer {
  return tf.initializers.glorotUniform({ seed: layerSeed(seed, layerIndex) });
}
