#ifndef RINGTRAIN_RELU_GRAD_H
#define RINGTRAIN_RELU_GRAD_H
#include <node_api.h>
napi_value relu_grad(napi_env env, napi_callback_info cb);
#endif
