// `--l2`: an explicit L2 penalty, the alternative to weight decay. The penalty l2/2·||p||² added to the loss has
// gradient l2·p, so the helper adds l2·p to the gradient before the optimizer sees it.
//
// With SGD this is exactly torch's SGD weight_decay: SGD computes d = g + λ·p before momentum, so
// `addL2Penalty(grads, params, λ)` followed by `new SGD(n, {weightDecay: 0})` gives the same parameters as
// `new SGD(n, {weightDecay: λ})` (bit for bit here: both compute g + λ·p in float32, λ·p rounded, then the sum).
//
// With AdamW it is NOT the same as weightDecay: the penalty gradient passes through Adam's m/√v normalization
// (that is torch.optim.Adam's coupled weight_decay, "Adam + L2"), while AdamW's decoupled decay shrinks p by
// lr·λ·p directly (Loshchilov & Hutter 2019). Use one or the other, not both.

import { checkLength, checkNonNegative } from './validate.js';

/** grads ← grads + l2·params, in place. `l2` is the `--l2` coefficient, >= 0. */
export function addL2Penalty(grads: Float32Array, params: Float32Array, l2: number): void {
  checkNonNegative(l2, '--l2');
  checkLength(params, grads.length, 'params');
  // float32 arithmetic, as SGD's weight decay (sgd.ts), which skips the term when λ is 0 as a float32; the store
  // rounds the sum
  const l2f = Math.fround(l2);
  if (l2f === 0) return;
  for (let i = 0; i < grads.length; i++) grads[i] = grads[i]! + Math.fround(l2f * params[i]!);
}
