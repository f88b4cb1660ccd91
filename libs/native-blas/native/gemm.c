// gemm(a, b, c, bias | null, batch, batchA, batchB, m, n, k, transposeA, transposeB, relu)
// For every i < batch: C[i] = act(op(A[i or 0]) · op(B[i or 0]) + bias), row-major, op = transpose when asked.
// A[i] is m x k (k x m stored when transposed), B[i] is k x n (n x k stored), C[i] is m x n, bias has n entries.
// Every length is checked against the shapes before BLAS sees a pointer.
//
// The product is rounded first and the bias added to it, then the ReLU, as tfjs's MatMul, Add and Relu do: the
// bias as the product's starting value (beta = 1) would give other bits, since BLAS adds C in once per block of
// the inner dimension, and a fused layer would then differ from the same layer unfused (tfjs fuses a ReLU layer
// only outside gradient recording). The ReLU keeps NaN, as tfjs's does.

#include "gemm.h"

#include <string.h>

#include "blas-library.h"
#include "napi-helpers.h"

// c[row][j] = act(c[row][j] + bias[j]): one float32 addition, then max(z, 0) with NaN kept.
static void bias_relu(float *c, size_t rows, size_t columns, const float *bias, bool relu) {
  for (size_t row = 0; row < rows; row++) {
    float *out = c + row * columns;
    for (size_t j = 0; j < columns; j++) {
      const float z = bias ? out[j] + bias[j] : out[j];
      out[j] = relu && !(z > 0.0f || z != z) ? 0.0f : z;
    }
  }
}

napi_value gemm(napi_env env, napi_callback_info cb) {
  napi_value argv[13];
  if (!exact_arguments(env, cb, 13, argv, "gemm: expects 13 arguments")) return NULL;
  if (!require_blas(env, "gemm")) return NULL;
  static const char *const names[] = {"gemm: a", "gemm: b", "gemm: c"};
  float *arrays[3], *bias = NULL;
  size_t lengths[3], bias_length = 0;
  if (!float32_arrays(env, argv, names, 3, arrays, lengths)) return NULL;
  const float *a = arrays[0], *b = arrays[1];
  float *c = arrays[2];
  const size_t a_length = lengths[0], b_length = lengths[1], c_length = lengths[2];
  napi_valuetype bias_type;
  CHECK(napi_typeof(env, argv[3], &bias_type));
  if (bias_type != napi_null && !float32_array(env, argv[3], "gemm: bias", &bias, &bias_length)) return NULL;
  int32_t batch, batch_a, batch_b, m, n, k;
  bool trans_a, trans_b, relu;
  if (!int32_at_least(env, argv[4], 1, "gemm: batch", &batch) || !int32_at_least(env, argv[5], 1, "gemm: batchA", &batch_a) ||
      !int32_at_least(env, argv[6], 1, "gemm: batchB", &batch_b) || !int32_at_least(env, argv[7], 0, "gemm: m", &m) ||
      !int32_at_least(env, argv[8], 0, "gemm: n", &n) || !int32_at_least(env, argv[9], 0, "gemm: k", &k)) return NULL;
  if (napi_get_value_bool(env, argv[10], &trans_a) != napi_ok || napi_get_value_bool(env, argv[11], &trans_b) != napi_ok ||
      napi_get_value_bool(env, argv[12], &relu) != napi_ok) return throw_range(env, "gemm: transposeA, transposeB and relu must be booleans");
  if ((batch_a != 1 && batch_a != batch) || (batch_b != 1 && batch_b != batch)) return throw_range(env, "gemm: batchA and batchB must be 1 or batch");
  const int64_t a_shape[] = {batch_a, m, k}, b_shape[] = {batch_b, k, n}, c_shape[] = {batch, m, n};
  uint64_t a_total, b_total, c_total;
  if (!checked_product(a_shape, 3, &a_total) || !checked_product(b_shape, 3, &b_total) || !checked_product(c_shape, 3, &c_total) ||
      a_length != a_total || b_length != b_total || c_length != c_total || (bias && bias_length != (size_t)n)) {
    return throw_range(env, "gemm: an operand's length does not match its shape");
  }
  const size_t a_size = (size_t)m * k, b_size = (size_t)k * n, c_size = (size_t)m * n;
  for (int32_t i = 0; i < batch; i++) {
    const float *ai = a + (batch_a == 1 ? 0 : i * a_size), *bi = b + (batch_b == 1 ? 0 : i * b_size);
    float *ci = c + i * c_size;
    if (k > 0 && c_size > 0) sgemm_row_major(trans_a, trans_b, m, n, k, ai, bi, 0.0f, ci);
    else memset(ci, 0, c_size * sizeof(float));
    if (bias || relu) bias_relu(ci, (size_t)m, (size_t)n, bias, relu);
  }
  return NULL;
}
