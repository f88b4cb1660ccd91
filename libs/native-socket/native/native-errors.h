// What both halves of the addon need from N-API: throwing an errno as an Error with a stable code, and exporting.
#ifndef RINGTRAIN_NATIVE_ERRORS_H
#define RINGTRAIN_NATIVE_ERRORS_H
#include <node_api.h>

// Throws Error(code, "<call>: <strerror(errno)>") and returns NULL, for a callback to return.
napi_value throw_errno(napi_env env, const char *code, const char *call);

// Sets exports[name] to a function calling `callback`; 0 on success.
int export_function(napi_env env, napi_value exports, const char *name, napi_callback callback);

#endif
