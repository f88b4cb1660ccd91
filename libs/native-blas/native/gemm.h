#ifndef RINGTRAIN_GEMM_H
#define RINGTRAIN_GEMM_H
#include <node_api.h>
napi_value gemm(napi_env env, napi_callback_info cb);
#endif
