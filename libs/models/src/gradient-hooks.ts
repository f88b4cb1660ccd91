// Gradients as the backward pass produces them, tensor by tensor, like the autograd hooks DDP registers: a
// caller can start communicating the last layers' gradients while the first layers' are still being computed.
//
// tfjs computes all gradients in one synchronous call and returns them at the end. To see each one earlier, every
// trainable variable is read through an identity with a custom gradient while the forward pass is recorded: the
// backward pass calls that identity's gradient function with ∂L/∂w exactly when w's gradient is complete (each
// zoo layer reads each of its weights once), and the function copies it out before passing it on unchanged.

import { InvalidArgumentError } from '@ringtrain/common';
import * as tf from '@tensorflow/tfjs';
import { float32View } from './wasm-kernels/wasm-memory.js';

/** Called with the index of a trainable weight (model order) once its gradient is in place. */
export type GradientReadyHook = (index: number) => void;

interface Readable {
  read(): tf.Tensor;
}

/**
 * Runs `forward` with every weight of `weights` read through a hook that writes ∂L/∂w_i into `out` at `offsets[i]`
 * during the backward pass, then calls `onReady(i)`. Restores the weights' read afterwards.
 */
export function withGradientHooks<T>(weights: readonly tf.LayerVariable[], offsets: readonly number[], out: Float32Array, onReady: GradientReadyHook | undefined, forward: () => T): T {
  const originals = weights.map((weight) => (weight as unknown as Readable).read);
  const seen = new Uint8Array(weights.length);
  weights.forEach((weight, index) => {
    const read = originals[index]!.bind(weight);
    const hooked = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      value: (args[0] as tf.Tensor).clone(),
      gradFunc: (dy: tf.Tensor) => {
        seen[index] = seen[index]! + 1;
        if (seen[index] !== 1) {
          throw new InvalidArgumentError(`weight ${weight.name} is read more than once in the forward pass; gradient hooks need one read per weight`, { subject: weight.name });
        }
        out.set(float32View(dy) ?? (dy.dataSync() as Float32Array), offsets[index]);
        onReady?.(index);
        return dy;
      },
    }));
    (weight as unknown as Readable).read = () => hooked(read() as tf.Tensor);
  });
  try {
    const result = forward();
    // A weight the loss does not reach gets no gradient call: its gradient is zero (torch leaves .grad None, and
    // DDP with find_unused_parameters reduces zeros for it). Without this its range would keep old values.
    weights.forEach((weight, index) => {
      if (seen[index] !== 0) return;
      const size = weight.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      out.fill(0, offsets[index], offsets[index]! + size);
      onReady?.(index);
    });
    return result;
  } finally {
    weights.forEach((weight, index) => ((weight as unknown as Readable).read = originals[index]!));
  }
}
