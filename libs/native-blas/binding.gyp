{
  "targets": [
    {
      "target_name": "ringtrain_blas",
      "sources": ["native/addon.c", "native/batch-norm.c", "native/blas-library.c", "native/conv2d.c", "native/gemm.c", "native/max-pool-grad.c", "native/napi-helpers.c", "native/narrow-gemm.c", "native/relu-grad.c"],
      "cflags": ["-O3", "-Wall", "-Wextra", "-std=c11"],
      "libraries": ["-ldl", "-lm"]
    }
  ]
}
