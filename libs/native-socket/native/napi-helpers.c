#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "napi-helpers.h"

napi_value throw_errno(napi_env env, const char *code, const char *call) {
  char reason[96] = "unknown error";
  char message[256];
  strerror_r(errno, reason, sizeof reason);  // XSI variant (_POSIX_C_SOURCE): thread-safe, unlike strerror
  snprintf(message, sizeof message, "%s: %s", call, reason);
  napi_throw_error(env, code, message);
  return NULL;
}

int export_function(napi_env env, napi_value exports, const char *name, napi_callback callback) {
  napi_value fn;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, NULL, &fn) == napi_ok &&
                 napi_set_named_property(env, exports, name, fn) == napi_ok
             ? 0
             : -1;
}

int one_descriptor_argument(napi_env env, napi_callback_info info, int32_t *value) {
  size_t argc = 1;
  napi_value argv[1];
  return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == 1 && napi_get_value_int32(env, argv[0], value) == napi_ok && *value >= 0
             ? 0
             : -1;
}
