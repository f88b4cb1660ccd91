#ifndef RINGTRAIN_MAX_POOL_GRAD_H
#define RINGTRAIN_MAX_POOL_GRAD_H
#include <node_api.h>
napi_value max_pool_grad(napi_env env, napi_callback_info cb);
#endif
