// Matrix products on the host's BLAS for tfjs's wasm backend (see ../README section in libs/native-blas/src/index.ts).
//
// The library is opened with dlopen at run time, not linked: the addon then builds with nothing but a C compiler
// and Node's headers, loads on a machine without any BLAS, and picks up whichever CBLAS the machine has
// (Debian's libopenblas0 or libblas3, an MKL or BLIS build named by RINGTRAIN_BLAS_LIBRARY). Every operand
// arrives as a Float32Array whose length is checked against the shapes before BLAS sees a pointer, so a wrong
// call from JavaScript raises a RangeError instead of reading or writing outside its arrays.

#include <dlfcn.h>
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

// CBLAS's enum values (cblas.h), declared here so that no BLAS headers are needed at build time.
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };

typedef void (*sgemm_fn)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                         int lda, const float *b, int ldb, float beta, float *c, int ldc);
typedef void (*set_threads_fn)(int threads);
typedef int (*get_threads_fn)(void);
typedef char *(*get_config_fn)(void);

static struct {
  void *handle;
  sgemm_fn sgemm;
  set_threads_fn set_threads;  // OpenBLAS only
  get_threads_fn get_threads;  // OpenBLAS only
  get_config_fn get_config;    // OpenBLAS only
  char library[512];
} blas;

#define CHECK(call)                                 \
  do {                                              \
    if ((call) != napi_ok) return throw_napi(env); \
  } while (0)

static napi_value throw_napi(napi_env env) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, "E_NATIVE_BLAS", info && info->error_message ? info->error_message : "N-API call failed");
  return NULL;
}

static napi_value throw_range(napi_env env, const char *message) {
  napi_throw_range_error(env, "E_INVALID_ARGUMENT", message);
  return NULL;
}

// open(candidates: string[]): { library, config, threads } - opens the first candidate that has cblas_sgemm.
// Idempotent: once a library is open, later calls describe it whatever they pass.
static napi_value open_library(napi_env env, napi_callback_info cb) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, cb, &argc, argv, NULL, NULL));
  if (blas.handle == NULL) {
    uint32_t count = 0;
    bool is_array = false;
    if (argc < 1 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array) return throw_range(env, "open(candidates): an array of library names");
    CHECK(napi_get_array_length(env, argv[0], &count));
    char tried[2048] = "";
    for (uint32_t i = 0; i < count && blas.handle == NULL; i++) {
      napi_value element;
      char name[512];
      size_t length = 0;
      CHECK(napi_get_element(env, argv[0], i, &element));
      if (napi_get_value_string_utf8(env, element, name, sizeof name, &length) != napi_ok) return throw_range(env, "open(candidates): library names must be strings");
      void *handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
      const char *problem = NULL;
      if (handle == NULL) {
        problem = dlerror();
      } else if (dlsym(handle, "cblas_sgemm") == NULL) {
        problem = "no cblas_sgemm";
        dlclose(handle);
        handle = NULL;
      }
      if (handle == NULL) {
        size_t used = strlen(tried);
        snprintf(tried + used, sizeof tried - used, "%s%s: %s", used ? "; " : "", name, problem ? problem : "unknown error");
        continue;
      }
      blas.handle = handle;
      blas.sgemm = (sgemm_fn)dlsym(handle, "cblas_sgemm");
      blas.set_threads = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
      blas.get_threads = (get_threads_fn)dlsym(handle, "openblas_get_num_threads");
      blas.get_config = (get_config_fn)dlsym(handle, "openblas_get_config");
      snprintf(blas.library, sizeof blas.library, "%s", name);
    }
    if (blas.handle == NULL) {
      napi_throw_error(env, "E_BLAS_UNAVAILABLE", tried[0] ? tried : "no candidate library names");
      return NULL;
    }
  }
  napi_value result, library, config, threads;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_string_utf8(env, blas.library, NAPI_AUTO_LENGTH, &library));
  if (blas.get_config) {
    CHECK(napi_create_string_utf8(env, blas.get_config(), NAPI_AUTO_LENGTH, &config));
  } else {
    CHECK(napi_get_null(env, &config));
  }
  if (blas.get_threads) {
    CHECK(napi_create_int32(env, blas.get_threads(), &threads));
  } else {
    CHECK(napi_get_null(env, &threads));
  }
  CHECK(napi_set_named_property(env, result, "library", library));
  CHECK(napi_set_named_property(env, result, "config", config));
  CHECK(napi_set_named_property(env, result, "threads", threads));
  return result;
}

// setThreads(n): boolean - whether the library could be told (only OpenBLAS can).
static napi_value set_threads(napi_env env, napi_callback_info cb) {
  size_t argc = 1;
  napi_value argv[1], result;
  int32_t threads = 0;
  CHECK(napi_get_cb_info(env, cb, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &threads) != napi_ok || threads < 1) return throw_range(env, "setThreads(n): n must be an integer >= 1");
  bool can = blas.handle != NULL && blas.set_threads != NULL;
  if (can) blas.set_threads(threads);
  CHECK(napi_get_boolean(env, can, &result));
  return result;
}

// The float32 data of argv[index] and its element count; false (with a RangeError thrown) if it is not a Float32Array.
static bool float32_array(napi_env env, napi_value value, float **data, size_t *length) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *raw = NULL;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok || type != napi_float32_array) {
    throw_range(env, "gemm: operands must be Float32Arrays");
    return false;
  }
  *data = (float *)raw;
  return true;
}

static bool int32_arg(napi_env env, napi_value value, int32_t minimum, int32_t *out) {
  if (napi_get_value_int32(env, value, out) != napi_ok || *out < minimum) {
    throw_range(env, "gemm: dimensions must be integers >= 0, batch counts >= 1");
    return false;
  }
  return true;
}

// gemm(a, b, c, bias | null, batch, batchA, batchB, m, n, k, transposeA, transposeB, relu)
// For every i < batch: C[i] = act(op(A[i or 0]) · op(B[i or 0]) + bias), row-major, op = transpose when asked.
// A[i] is m x k (k x m stored when transposed), B[i] is k x n (n x k stored), C[i] is m x n, bias has n entries.
static napi_value gemm(napi_env env, napi_callback_info cb) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(napi_get_cb_info(env, cb, &argc, argv, NULL, NULL));
  if (argc != 13) return throw_range(env, "gemm: expects 13 arguments");
  if (blas.sgemm == NULL) {
    napi_throw_error(env, "E_BLAS_UNAVAILABLE", "gemm: no BLAS library is open (call open first)");
    return NULL;
  }
  float *a, *b, *c, *bias = NULL;
  size_t a_length, b_length, c_length, bias_length = 0;
  if (!float32_array(env, argv[0], &a, &a_length) || !float32_array(env, argv[1], &b, &b_length) ||
      !float32_array(env, argv[2], &c, &c_length)) return NULL;
  napi_valuetype bias_type;
  CHECK(napi_typeof(env, argv[3], &bias_type));
  if (bias_type != napi_null && !float32_array(env, argv[3], &bias, &bias_length)) return NULL;
  int32_t batch, batch_a, batch_b, m, n, k;
  bool trans_a, trans_b, relu;
  if (!int32_arg(env, argv[4], 1, &batch) || !int32_arg(env, argv[5], 1, &batch_a) || !int32_arg(env, argv[6], 1, &batch_b) ||
      !int32_arg(env, argv[7], 0, &m) || !int32_arg(env, argv[8], 0, &n) || !int32_arg(env, argv[9], 0, &k)) return NULL;
  if (napi_get_value_bool(env, argv[10], &trans_a) != napi_ok || napi_get_value_bool(env, argv[11], &trans_b) != napi_ok ||
      napi_get_value_bool(env, argv[12], &relu) != napi_ok) return throw_range(env, "gemm: transposeA, transposeB and relu must be booleans");
  if ((batch_a != 1 && batch_a != batch) || (batch_b != 1 && batch_b != batch)) return throw_range(env, "gemm: batchA and batchB must be 1 or batch");
  const size_t a_size = (size_t)m * k, b_size = (size_t)k * n, c_size = (size_t)m * n;
  if (a_length != a_size * batch_a || b_length != b_size * batch_b || c_length != c_size * batch || (bias && bias_length != (size_t)n)) {
    return throw_range(env, "gemm: an operand's length does not match its shape");
  }
  for (int32_t i = 0; i < batch; i++) {
    const float *ai = a + (batch_a == 1 ? 0 : i * a_size), *bi = b + (batch_b == 1 ? 0 : i * b_size);
    float *ci = c + i * c_size;
    // The bias is the product's starting value (beta = 1), so adding it costs no extra pass over C.
    for (int32_t row = 0; row < m; row++) {
      if (bias) memcpy(ci + (size_t)row * n, bias, (size_t)n * sizeof(float));
      else memset(ci + (size_t)row * n, 0, (size_t)n * sizeof(float));
    }
    if (k > 0 && c_size > 0) {
      blas.sgemm(CBLAS_ROW_MAJOR, trans_a ? CBLAS_TRANS : CBLAS_NO_TRANS, trans_b ? CBLAS_TRANS : CBLAS_NO_TRANS, m, n, k, 1.0f,
                 ai, trans_a ? m : k, bi, trans_b ? k : n, 1.0f, ci, n);
    }
    if (relu) {
      for (size_t j = 0; j < c_size; j++) ci[j] = ci[j] > 0.0f ? ci[j] : 0.0f;
    }
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"open", NULL, open_library, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"gemm", NULL, gemm, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
