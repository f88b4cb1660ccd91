// Seeded initialisation. tfjs's seeded initializers draw from seedrandom's alea on the JavaScript side, so a seed
// gives the same numbers on every backend and machine. Each layer gets its own seed derived from the model seed:
// with one seed for all, two layers of the same kernel shape would start identical.
//
// A model picks its kernels' scheme, as torchvision's models each pick theirs: Glorot-uniform (Keras's default,
// U(±sqrt(6 / (fan_in + fan_out)))) for linear and mlp, fan-in-uniform (PyTorch's default for nn.Linear and
// nn.Conv2d, kaiming-uniform with a = sqrt(5): U(±1 / sqrt(fan_in))) for cnn. Biases start at zero (Keras's
// default; PyTorch draws them from the same U(±1 / sqrt(fan_in))); batchnorm at gamma 1, beta 0, moving mean 0,
// moving variance 1. Rank 0's weights are broadcast before step 0 in any case.

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

/** How a model draws its kernels (see the header). */
export type KernelScheme = 'glorot-uniform' | 'fan-in-uniform';

/** The kernel initializer of layer `layerIndex`, by `scheme`. */
export function kernelInitializer(seed: number, layerIndex: number, scheme: KernelScheme = 'glorot-uniform'): Initializer {
  const layer = { seed: layerSeed(seed, layerIndex) };
  // varianceScaling's uniform limit is sqrt(3 · scale / fan_in): scale 1/3 gives torch's 1 / sqrt(fan_in).
  return scheme === 'glorot-uniform' ? tf.initializers.glorotUniform(layer) : tf.initializers.varianceScaling({ ...layer, scale: 1 / 3, mode: 'fanIn', distribution: 'uniform' });
}
