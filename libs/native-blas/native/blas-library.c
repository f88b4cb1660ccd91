#include "blas-library.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "napi-helpers.h"

typedef void (*set_threads_fn)(int threads);
typedef int (*get_threads_fn)(void);
typedef char *(*get_config_fn)(void);

sgemm_fn blas_sgemm = NULL;

static struct {
  void *handle;
  set_threads_fn set_threads;  // OpenBLAS only
  get_threads_fn get_threads;  // OpenBLAS only
  get_config_fn get_config;    // OpenBLAS only
  char library[512];
} opened;

void sgemm_row_major(bool trans_a, bool trans_b, int m, int n, int k, const float *a, const float *b, float beta, float *c) {
  blas_sgemm(CBLAS_ROW_MAJOR, trans_a ? CBLAS_TRANS : CBLAS_NO_TRANS, trans_b ? CBLAS_TRANS : CBLAS_NO_TRANS, m, n, k, 1.0f,
             a, trans_a ? m : k, b, trans_b ? k : n, beta, c, n);
}

bool require_blas(napi_env env, const char *caller) {
  if (blas_sgemm != NULL) return true;
  char message[160];
  snprintf(message, sizeof message, "%s: no BLAS library is open (call open first)", caller);
  napi_throw_error(env, "E_BLAS_UNAVAILABLE", message);
  return false;
}

// Tries `name`; on failure appends "name: why" to `tried`.
static bool try_open(const char *name, char *tried, size_t tried_size) {
  void *handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  const char *problem = handle == NULL ? dlerror() : NULL;
  void *sgemm = handle == NULL ? NULL : dlsym(handle, "cblas_sgemm");
  if (handle != NULL && sgemm == NULL) {
    problem = "no cblas_sgemm";
    dlclose(handle);
    handle = NULL;
  }
  if (handle == NULL) {
    size_t used = strlen(tried);
    snprintf(tried + used, tried_size - used, "%s%s: %s", used ? "; " : "", name, problem ? problem : "unknown error");
    return false;
  }
  opened.handle = handle;
  opened.set_threads = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
  opened.get_threads = (get_threads_fn)dlsym(handle, "openblas_get_num_threads");
  opened.get_config = (get_config_fn)dlsym(handle, "openblas_get_config");
  snprintf(opened.library, sizeof opened.library, "%s", name);
  blas_sgemm = (sgemm_fn)sgemm;
  return true;
}

// Opens the first candidate that has cblas_sgemm. Idempotent: once a library is open, later calls describe it
// whatever they pass.
napi_value blas_open(napi_env env, napi_callback_info cb) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, cb, &argc, argv, NULL, NULL));
  if (opened.handle == NULL) {
    uint32_t count = 0;
    bool is_array = false;
    if (argc < 1 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array) return throw_range(env, "open(candidates): an array of library names");
    CHECK(napi_get_array_length(env, argv[0], &count));
    char tried[2048] = "";
    for (uint32_t i = 0; i < count && opened.handle == NULL; i++) {
      napi_value element;
      char name[512];
      size_t length = 0;
      CHECK(napi_get_element(env, argv[0], i, &element));
      if (napi_get_value_string_utf8(env, element, name, sizeof name, &length) != napi_ok) return throw_range(env, "open(candidates): library names must be strings");
      try_open(name, tried, sizeof tried);
    }
    if (opened.handle == NULL) {
      napi_throw_error(env, "E_BLAS_UNAVAILABLE", tried[0] ? tried : "no candidate library names");
      return NULL;
    }
  }
  napi_value result, library, config, threads;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_string_utf8(env, opened.library, NAPI_AUTO_LENGTH, &library));
  if (opened.get_config) {
    CHECK(napi_create_string_utf8(env, opened.get_config(), NAPI_AUTO_LENGTH, &config));
  } else {
    CHECK(napi_get_null(env, &config));
  }
  if (opened.get_threads) {
    CHECK(napi_create_int32(env, opened.get_threads(), &threads));
  } else {
    CHECK(napi_get_null(env, &threads));
  }
  CHECK(napi_set_named_property(env, result, "library", library));
  CHECK(napi_set_named_property(env, result, "config", config));
  CHECK(napi_set_named_property(env, result, "threads", threads));
  return result;
}

// setThreads(n): whether the library could be told (only OpenBLAS can).
napi_value blas_set_threads(napi_env env, napi_callback_info cb) {
  size_t argc = 1;
  napi_value argv[1], result;
  int32_t threads = 0;
  CHECK(napi_get_cb_info(env, cb, &argc, argv, NULL, NULL));
  if (argc < 1 || !int32_at_least(env, argv[0], 1, "setThreads(n): n", &threads)) return NULL;
  bool can = opened.handle != NULL && opened.set_threads != NULL;
  if (can) opened.set_threads(threads);
  CHECK(napi_get_boolean(env, can, &result));
  return result;
}
