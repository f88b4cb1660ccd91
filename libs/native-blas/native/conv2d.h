#ifndef RINGTRAIN_CONV2D_H
#define RINGTRAIN_CONV2D_H
#include <node_api.h>
napi_value conv2d(napi_env env, napi_callback_info cb);
#endif
