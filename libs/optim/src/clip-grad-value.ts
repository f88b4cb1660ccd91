// torch.nn.utils.clip_grad_value_: clamp every gradient element to [-clipValue, clipValue]. NaN stays NaN, as in
// torch's clamp. The bound is rounded to float32 first, as torch converts it to the tensor's dtype.

import { checkPositive } from './validate.js';

/** Clamps `grads` in place to [-clipValue, clipValue]; `clipValue` is `--clip-norm` in `--clip-mode value`, > 0. */
export function clipGradValue(grads: Float32Array, clipValue: number): void {
  checkPositive(clipValue, '--clip-norm');
  const high = Math.fround(clipValue);
  for (let i = 0; i < grads.length; i++) {
    const g = grads[i]!;
    if (g > high) grads[i] = high;
    else if (g < -high) grads[i] = -high;
  }
}
