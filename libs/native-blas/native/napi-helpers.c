#include "napi-helpers.h"

#include <stdio.h>
#include <string.h>

napi_value throw_napi(napi_env env) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, "E_NATIVE_BLAS", info && info->error_message ? info->error_message : "N-API call failed");
  return NULL;
}

napi_value throw_range(napi_env env, const char *message) {
  napi_throw_range_error(env, "E_INVALID_ARGUMENT", message);
  return NULL;
}

bool float32_array(napi_env env, napi_value value, const char *what, float **data, size_t *length) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *raw = NULL;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok || type != napi_float32_array) {
    char message[160];
    snprintf(message, sizeof message, "%s must be a Float32Array", what);
    throw_range(env, message);
    return false;
  }
  *data = (float *)raw;
  return true;
}

bool float32_arrays(napi_env env, const napi_value *values, const char *const *names, int count, float **data, size_t *lengths) {
  for (int i = 0; i < count; i++) {
    if (!float32_array(env, values[i], names[i], &data[i], &lengths[i])) return false;
  }
  return true;
}

bool exact_arguments(napi_env env, napi_callback_info cb, size_t count, napi_value *argv, const char *usage) {
  size_t argc = count;
  if (napi_get_cb_info(env, cb, &argc, argv, NULL, NULL) != napi_ok) {
    throw_napi(env);
    return false;
  }
  if (argc != count) {
    throw_range(env, usage);
    return false;
  }
  return true;
}

bool geometry_of(napi_env env, napi_value value, size_t count, const int32_t *minimum, const char *what, int32_t *out) {
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *raw = NULL;
  char message[200];
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, &length, &raw, NULL, NULL) != napi_ok || type != napi_int32_array || length != count) {
    snprintf(message, sizeof message, "%s must be an Int32Array of %zu entries", what, count);
    throw_range(env, message);
    return false;
  }
  memcpy(out, raw, count * sizeof(int32_t));
  for (size_t i = 0; i < count; i++) {
    if (out[i] < minimum[i]) {
      snprintf(message, sizeof message, "%s entries out of range (entry %zu is %d, below %d)", what, i, out[i], minimum[i]);
      throw_range(env, message);
      return false;
    }
  }
  return true;
}

bool checked_product(const int64_t *factors, int count, uint64_t *product) {
  uint64_t result = 1;
  for (int i = 0; i < count; i++) {
    if (factors[i] < 0 || __builtin_mul_overflow(result, (uint64_t)factors[i], &result)) return false;
  }
  *product = result;
  return true;
}

bool int32_at_least(napi_env env, napi_value value, int32_t minimum, const char *what, int32_t *out) {
  if (napi_get_value_int32(env, value, out) != napi_ok || *out < minimum) {
    char message[160];
    snprintf(message, sizeof message, "%s must be an integer >= %d", what, minimum);
    throw_range(env, message);
    return false;
  }
  return true;
}
