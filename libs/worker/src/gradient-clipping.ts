// Step 4: clipping runs on the averaged gradient, which is bit-identical on every rank, so every rank clips by
// the same factor and the replicas stay identical (clipping each rank's own gradient before averaging would not).

import { adaptiveClipGrad, clipGradNorm, clipGradValue, totalNorm, type NormType, type ParamSegment } from '@ringtrain/optim';

export interface ClipPolicy {
  /** --clip-norm: the max norm (norm), the factor λ (agc) or the max |g| (value); undefined: no clipping. */
  clipNorm?: number | undefined;
  /** --clip-mode. */
  clipMode: 'norm' | 'agc' | 'value';
  /** --clip-norm-type, for clipMode 'norm' and for the reported norm. */
  normType: NormType;
}

/**
 * Clips `grads` in place as the policy says and returns the gradient's norm before clipping (what
 * clip_grad_norm_ returns and the run logs as grad_norm). A non-finite norm with norm clipping on raises
 * E_NONFINITE: the run has diverged, and stepping on NaN would only spread it.
 */
export function clipGradients(policy: ClipPolicy, params: Float32Array, grads: Float32Array, segments: readonly ParamSegment[]): number {
  if (policy.clipNorm !== undefined && policy.clipMode === 'norm') return clipGradNorm(grads, policy.clipNorm, { normType: policy.normType, errorIfNonfinite: true });
  const norm = totalNorm(grads, policy.normType);
  if (policy.clipNorm !== undefined && policy.clipMode === 'agc') adaptiveClipGrad(params, grads, segments, { clipFactor: policy.clipNorm });
  if (policy.clipNorm !== undefined && policy.clipMode === 'value') clipGradValue(grads, policy.clipNorm);
  return norm;
}
