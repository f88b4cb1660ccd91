// Argument checking shared by the addon's functions: every failure throws a JavaScript error with a stable code
// and returns false/NULL, so callers just return.
#ifndef RINGTRAIN_NAPI_HELPERS_H
#define RINGTRAIN_NAPI_HELPERS_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Returns from the calling N-API function (with the pending exception) when `call` fails.
#define CHECK(call)                                 \
  do {                                              \
    if ((call) != napi_ok) return throw_napi(env); \
  } while (0)

// Throws the last N-API error (unless an exception is already pending), code E_NATIVE_BLAS; returns NULL.
napi_value throw_napi(napi_env env);

// Throws a RangeError with code E_INVALID_ARGUMENT; returns NULL.
napi_value throw_range(napi_env env, const char *message);

// The data and element count of a Float32Array; false (RangeError thrown, naming `what`) for anything else.
bool float32_array(napi_env env, napi_value value, const char *what, float **data, size_t *length);

// float32_array for `count` arguments, named by `names`.
bool float32_arrays(napi_env env, const napi_value *values, const char *const *names, int count, float **data, size_t *lengths);

// Exactly `count` call arguments into argv (room for `count`); false (RangeError with `usage`) otherwise.
bool exact_arguments(napi_env env, napi_callback_info cb, size_t count, napi_value *argv, const char *usage);

// A geometry: an Int32Array of exactly `count` entries, each >= minimum[i], copied into `out`; false (RangeError
// naming `what`) otherwise.
bool geometry_of(napi_env env, napi_value value, size_t count, const int32_t *minimum, const char *what, int32_t *out);

// The product of `count` non-negative factors in *product; false if it overflows 64 bits. Every length check
// multiplies shapes with this: a product that wrapped around could match a short array's length.
bool checked_product(const int64_t *factors, int count, uint64_t *product);

// An int32 >= minimum; false (RangeError thrown, naming `what`) otherwise.
bool int32_at_least(napi_env env, napi_value value, int32_t minimum, const char *what, int32_t *out);

#endif
