// The addon's entry point: the functions it exports (see ../src/native-blas.ts for their TypeScript side).

#include <node_api.h>

#include "batch-norm.h"
#include "blas-library.h"
#include "conv2d.h"
#include "gemm.h"
#include "max-pool-grad.h"
#include "narrow-gemm.h"
#include "relu-grad.h"

static napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"open", NULL, blas_open, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, blas_set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"gemm", NULL, gemm, NULL, NULL, NULL, napi_default, NULL},
      {"conv2d", NULL, conv2d, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormForward", NULL, batch_norm_forward, NULL, NULL, NULL, napi_default, NULL},
      {"batchNormBackward", NULL, batch_norm_backward, NULL, NULL, NULL, napi_default, NULL},
      {"maxPoolGrad", NULL, max_pool_grad, NULL, NULL, NULL, napi_default, NULL},
      {"reluGrad", NULL, relu_grad, NULL, NULL, NULL, napi_default, NULL},
      {"narrowKernels", NULL, narrow_kernels, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
