// Adaptive gradient clipping (Brock et al. 2021, "High-Performance Large-Scale Image Recognition Without
// Normalization"), as timm's adaptive_clip_grad does it. For every unit u of every tensor - one output unit of a
// weight (a row of PyTorch's [out, in] Linear weight, a filter of its [out, in, kh, kw] conv weight), or the whole
// tensor when it has at most one dimension (biases, scalars):
//
//   maxNorm_u = clipFactor · max(||w_u||₂, eps)
//   g_u       = g_u                                     if ||g_u||₂ < maxNorm_u
//   g_u       = g_u · maxNorm_u / max(||g_u||₂, 1e-6)   otherwise
//
// Layout: timm reduces over every dimension except the first, because PyTorch puts the output dimension first.
// TF.js puts it last (Dense kernel [in, out], Conv2D kernel [kh, kw, in, out]), hence `outputAxis`.
// Norms are accumulated in float64 (timm: float32), so results agree to float32 precision except for a unit whose
// gradient norm is within float32 rounding of its threshold.

import { checkLength, checkPositive } from './validate.js';
import { checkSegments, type ParamSegment } from './param-segments.js';

export interface AdaptiveClipOptions {
  /** λ: a unit's gradient norm may be at most this fraction of its weight norm (`--clip-norm` in `--clip-mode agc`). Default 0.01. */
  clipFactor?: number;
  /** Lower bound of a unit's weight norm, so zero-initialized units can still learn. Default 1e-3. */
  eps?: number;
  /** Which axis of a tensor of two or more dimensions indexes the output units: 'last' for TF.js, 'first' for PyTorch. Default 'last'. */
  outputAxis?: 'first' | 'last';
}

/** Clips `grads` in place, unit by unit, against the norms of `params`; `segments` give the tensors' shapes. */
export function adaptiveClipGrad(
  params: Float32Array,
  grads: Float32Array,
  segments: readonly ParamSegment[],
  options: AdaptiveClipOptions = {},
): void {
  const { clipFactor = 0.01, eps = 1e-3, outputAxis = 'last' } = options;
  checkPositive(clipFactor, '--clip-norm');
  checkPositive(eps, 'eps');
  checkLength(grads, params.length, 'grads');
  checkSegments(segments, params.length);
  for (const { offset, shape } of segments) {
    const size = shape.reduce((a, b) => a * b, 1);
    // Unit u covers the elements offset + u·unitStride + k·elementStride, k < perUnit.
    let units = 1;
    let unitStride = 0;
    let elementStride = 1;
    if (shape.length > 1) {
      units = outputAxis === 'first' ? shape[0]! : shape[shape.length - 1]!;
      unitStride = outputAxis === 'first' ? size / units : 1;
      elementStride = outputAxis === 'first' ? 1 : units;
    }
    const perUnit = size / units;
    for (let u = 0; u < units; u++) {
      const start = offset + u * unitStride;
      const end = start + perUnit * elementStride;
      let weightSquares = 0;
      let gradSquares = 0;
      for (let i = start; i < end; i += elementStride) {
        weightSquares += params[i]! * params[i]!;
        gradSquares += grads[i]! * grads[i]!;
      }
      const maxNorm = clipFactor * Math.max(Math.sqrt(weightSquares), eps);
      const gradNorm = Math.sqrt(gradSquares);
      if (gradNorm < maxNorm) continue; // NaN falls through and poisons the unit, as timm's where() does
      const scale = maxNorm / Math.max(gradNorm, 1e-6);
      for (let i = start; i < end; i += elementStride) grads[i] = grads[i]! * scale;
    }
  }
}
