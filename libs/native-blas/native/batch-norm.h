#ifndef RINGTRAIN_BATCH_NORM_H
#define RINGTRAIN_BATCH_NORM_H
#include <node_api.h>
napi_value batch_norm_forward(napi_env env, napi_callback_info cb);
napi_value batch_norm_backward(napi_env env, napi_callback_info cb);
#endif
