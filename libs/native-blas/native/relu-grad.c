// reluGrad(dy, x, dx): the ReLU's gradient in one pass, dx = dy · step(x) as tfjs computes it in three (Step,
// Cast, Multiply): step(x) is 1 for x > 0, x itself for NaN, else 0 - so dx is dy, NaN, or dy · 0 (which keeps
// the sign of zero and turns an infinite or NaN dy into NaN, as the product does). The same bits as tfjs but for
// NaN payloads, which differ between machines anyway.

#include "relu-grad.h"

#include <math.h>

#include "napi-helpers.h"

napi_value relu_grad(napi_env env, napi_callback_info cb) {
  napi_value argv[3];
  if (!exact_arguments(env, cb, 3, argv, "reluGrad: expects (dy, x, dx)")) return NULL;
  static const char *const names[] = {"reluGrad: dy", "reluGrad: x", "reluGrad: dx"};
  float *a[3];
  size_t length[3];
  if (!float32_arrays(env, argv, names, 3, a, length)) return NULL;
  const float *dy = a[0], *x = a[1];
  float *dx = a[2];
  if (length[0] != length[1] || length[2] != length[1]) return throw_range(env, "reluGrad: dy, x and dx must have the same length");
  for (size_t i = 0; i < length[1]; i++) {
    const float step = x[i] > 0.0f ? 1.0f : (isnan(x[i]) ? x[i] : 0.0f);  // tfjs's Step passes a NaN through
    dx[i] = dy[i] * step;
  }
  return NULL;
}
