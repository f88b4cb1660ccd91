// torch.nn.utils.clip_grad_norm_ (PyTorch 1.13) on the flat gradient:
//
//   total = ||g||_2  or  max_i |g_i|          over all gradients, as if concatenated (here they are)
//   coef  = maxNorm / (total + 1e-6)
//   g     = g · min(coef, 1)
//
// In a data-parallel run this is applied to the already all-reduced (averaged) gradient, so every rank computes the
// same total and scales by the same factor, and the replicas stay identical.
//
// Precision. torch computes one float32 norm per parameter tensor, then the norm of those norms; sqrt(Σ_t ||g_t||²)
// equals the norm of the concatenation, so only rounding differs. Here the sum of squares runs in float64
// accumulators (sum-of-squares.ts, SIMD for a gradient in the SIMD memory): the result is within ~1e-15 relative of the exact norm of the float32 values, while torch's float32
// reductions are within a few float32 ulps (~1e-7 relative) of it. The golden test (2000 elements in three tensors)
// therefore holds to 1e-6 relative; coef then inherits the same ~1e-7 difference.

import { InvalidArgumentError, NonFiniteError } from '@ringtrain/common';
import { sumOfSquares } from './sum-of-squares.js';
import { checkPositive } from './validate.js';

export type NormType = 2 | 'inf';

export interface ClipGradNormOptions {
  /** 2 for the Euclidean norm, 'inf' for the largest absolute value. Default 2. */
  normType?: NormType;
  /**
   * Throw (before touching the gradient) if the total norm is NaN or ±Infinity. Default false, torch 1.13's
   * default: then, like torch, the gradient is multiplied by the non-finite factor (NaN, or 0 for an infinite norm).
   */
  errorIfNonfinite?: boolean;
}

function euclideanNorm(grads: Float32Array): number {
  return Math.sqrt(sumOfSquares(grads));
}

/** max |g_i|, NaN if any g_i is NaN (as torch.max propagates NaN). */
function maxAbs(grads: Float32Array): number {
  let max = 0;
  for (let i = 0; i < grads.length; i++) {
    const a = Math.abs(grads[i]!);
    if (Number.isNaN(a)) return NaN;
    if (a > max) max = a;
  }
  return max;
}

/** The gradient's total norm (2: Euclidean, 'inf': largest |g_i|), what clip_grad_norm_ measures before clipping. */
export function totalNorm(grads: Float32Array, normType: NormType = 2): number {
  return normType === 2 ? euclideanNorm(grads) : maxAbs(grads);
}

/**
 * Scales `grads` in place so that its norm is at most `maxNorm` (`--clip-norm`, > 0) and returns the total norm
 * before clipping (the grad_norm to log). An empty gradient has norm 0, as in torch.
 */
export function clipGradNorm(grads: Float32Array, maxNorm: number, options: ClipGradNormOptions = {}): number {
  const { normType = 2, errorIfNonfinite = false } = options;
  checkPositive(maxNorm, '--clip-norm');
  if (normType !== 2 && normType !== 'inf') {
    throw new InvalidArgumentError(`normType must be 2 or 'inf', got ${String(normType)}`, { subject: 'normType' });
  }
  const total = totalNorm(grads, normType);
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new NonFiniteError(
      `the total ${normType}-norm of the gradients is ${total}, so they cannot be clipped (errorIfNonfinite is set)`,
      { subject: 'gradients' },
    );
  }
  const coef = maxNorm / (total + 1e-6);
  // `!(coef >= 1)` rather than `coef < 1`: a NaN factor must reach the gradient, as torch's clamp(NaN) does.
  if (!(coef >= 1)) {
    for (let i = 0; i < grads.length; i++) grads[i] = grads[i]! * coef;
  }
  return total;
}
