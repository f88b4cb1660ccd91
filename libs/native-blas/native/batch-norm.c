// Batch normalisation in training mode over channels-last activations: M rows of C channels (M = N·H·W). Not a BLAS
// operation, but the passes over the activation it needs are memory-bound loops that JavaScript runs 5-10x slower
// than compiled C (per-channel accumulators carry a dependency through memory there; GCC vectorises them here).
// Channel sums are accumulated in double.
//
//   batchNormForward(x, γ, β, ε, y, μ, σ², 1/σ̃):   μ = Σx/M,  σ² = Σ(x − μ)²/M (two passes, as tf.moments),
//                                                   σ̃ = sqrt(σ² + ε),  y = a·x + b with a = γ/σ̃, b = β − μ·a
//   batchNormBackward(dy, x, μ, 1/σ̃, γ, dx, ∂γ, ∂β): ∂β = Σdy,  ∂γ = Σ dy·x̂ with x̂ = (x − μ)/σ̃,
//                                                   dx = γ/(M·σ̃) · (M·dy − ∂β − x̂·∂γ)

#include "batch-norm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "napi-helpers.h"

// The activation's row count, with every per-channel array `channels` long; 0 and a RangeError if not.
static size_t rows_of(napi_env env, size_t activation, const size_t *channel_lengths, int count) {
  const size_t channels = channel_lengths[0];
  for (int i = 1; i < count; i++) {
    if (channel_lengths[i] != channels) {
      throw_range(env, "batch norm: the per-channel arrays must have one entry per channel");
      return 0;
    }
  }
  if (channels == 0 || activation == 0 || activation % channels != 0) {
    throw_range(env, "batch norm: the activation must hold whole rows of the channel count");
    return 0;
  }
  return activation / channels;
}

napi_value batch_norm_forward(napi_env env, napi_callback_info cb) {
  napi_value argv[8];
  if (!exact_arguments(env, cb, 8, argv, "batchNormForward: expects (x, gamma, beta, epsilon, y, mean, variance, inverseStd)")) return NULL;
  double epsilon;
  if (napi_get_value_double(env, argv[3], &epsilon) != napi_ok || !(epsilon >= 0)) return throw_range(env, "batchNormForward: epsilon must be a number >= 0");
  static const char *const names[] = {"batchNormForward: x", "batchNormForward: gamma", "batchNormForward: beta", "batchNormForward: y",
                                      "batchNormForward: mean", "batchNormForward: variance", "batchNormForward: inverseStd"};
  napi_value arrays_argv[7] = {argv[0], argv[1], argv[2], argv[4], argv[5], argv[6], argv[7]};
  float *a[7];
  size_t len[7];
  if (!float32_arrays(env, arrays_argv, names, 7, a, len)) return NULL;
  const float *x = a[0], *gamma = a[1], *beta = a[2];
  float *y = a[3], *mean = a[4], *variance = a[5], *inverse_std = a[6];
  if (len[3] != len[0]) return throw_range(env, "batchNormForward: y must have the length of x");
  const size_t channel_lengths[] = {len[1], len[2], len[4], len[5], len[6]};
  const size_t rows = rows_of(env, len[0], channel_lengths, 5), channels = len[1];
  if (rows == 0) return NULL;
  double *sums = calloc(2 * channels, sizeof(double));
  float *scale = malloc(2 * channels * sizeof(float));
  if (sums == NULL || scale == NULL) {
    free(sums);
    free(scale);
    napi_throw_error(env, "E_NATIVE_BLAS", "batchNormForward: out of memory");
    return NULL;
  }
  double *deviations = sums + channels;
  float *shift = scale + channels;
  for (size_t r = 0; r < rows; r++) {
    const float *row = x + r * channels;
    for (size_t d = 0; d < channels; d++) sums[d] += row[d];
  }
  for (size_t d = 0; d < channels; d++) mean[d] = (float)(sums[d] / (double)rows);
  for (size_t r = 0; r < rows; r++) {
    const float *row = x + r * channels;
    for (size_t d = 0; d < channels; d++) {
      const double deviation = (double)row[d] - (double)mean[d];
      deviations[d] += deviation * deviation;
    }
  }
  for (size_t d = 0; d < channels; d++) {
    variance[d] = (float)(deviations[d] / (double)rows);
    inverse_std[d] = (float)(1.0 / sqrt((double)variance[d] + epsilon));
    scale[d] = gamma[d] * inverse_std[d];
    shift[d] = beta[d] - mean[d] * scale[d];
  }
  for (size_t r = 0; r < rows; r++) {
    const float *in = x + r * channels;
    float *out = y + r * channels;
    for (size_t d = 0; d < channels; d++) out[d] = scale[d] * in[d] + shift[d];
  }
  free(sums);
  free(scale);
  return NULL;
}

napi_value batch_norm_backward(napi_env env, napi_callback_info cb) {
  napi_value argv[8];
  if (!exact_arguments(env, cb, 8, argv, "batchNormBackward: expects (dy, x, mean, inverseStd, gamma, dx, dGamma, dBeta)")) return NULL;
  static const char *const names[] = {"batchNormBackward: dy", "batchNormBackward: x", "batchNormBackward: mean", "batchNormBackward: inverseStd",
                                      "batchNormBackward: gamma", "batchNormBackward: dx", "batchNormBackward: dGamma", "batchNormBackward: dBeta"};
  float *a[8];
  size_t len[8];
  if (!float32_arrays(env, argv, names, 8, a, len)) return NULL;
  const float *dy = a[0], *x = a[1], *mean = a[2], *inverse_std = a[3], *gamma = a[4];
  float *dx = a[5], *d_gamma = a[6], *d_beta = a[7];
  if (len[0] != len[1] || len[5] != len[1]) return throw_range(env, "batchNormBackward: dy and dx must have the length of x");
  const size_t channel_lengths[] = {len[2], len[3], len[4], len[6], len[7]};
  const size_t rows = rows_of(env, len[1], channel_lengths, 5), channels = len[2];
  if (rows == 0) return NULL;
  double *sums = calloc(2 * channels, sizeof(double));
  float *factor = malloc(channels * sizeof(float));
  if (sums == NULL || factor == NULL) {
    free(sums);
    free(factor);
    napi_throw_error(env, "E_NATIVE_BLAS", "batchNormBackward: out of memory");
    return NULL;
  }
  double *weighted = sums + channels;
  for (size_t r = 0; r < rows; r++) {
    const float *g = dy + r * channels, *in = x + r * channels;
    for (size_t d = 0; d < channels; d++) {
      sums[d] += g[d];
      weighted[d] += (double)g[d] * (double)((in[d] - mean[d]) * inverse_std[d]);
    }
  }
  const float count = (float)rows;
  for (size_t d = 0; d < channels; d++) {
    d_beta[d] = (float)sums[d];
    d_gamma[d] = (float)weighted[d];
    factor[d] = gamma[d] * inverse_std[d] / count;
  }
  for (size_t r = 0; r < rows; r++) {
    const float *g = dy + r * channels, *in = x + r * channels;
    float *out = dx + r * channels;
    for (size_t d = 0; d < channels; d++) {
      const float normalized = (in[d] - mean[d]) * inverse_std[d];
      out[d] = factor[d] * (count * g[d] - d_beta[d] - normalized * d_gamma[d]);
    }
  }
  free(sums);
  free(factor);
  return NULL;
}
