// What every part of the addon needs from N-API: reading a lone integer argument, throwing an errno as an Error with
// a stable code, and exporting.
#ifndef RINGTRAIN_NAPI_HELPERS_H
#define RINGTRAIN_NAPI_HELPERS_H
#include <stdint.h>
#include <node_api.h>

// Reads the one int32 argument of a call into *value and checks it is >= 0; 0 on success, else -1 (nothing thrown).
int one_descriptor_argument(napi_env env, napi_callback_info info, int32_t *value);

// Throws Error(code, "<call>: <strerror(errno)>") and returns NULL, for a callback to return.
napi_value throw_errno(napi_env env, const char *code, const char *call);

// Sets exports[name] to a function calling `callback`; 0 on success.
int export_function(napi_env env, napi_value exports, const char *name, napi_callback callback);

#endif
