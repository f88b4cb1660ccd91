{
  "targets": [
    {
      "target_name": "ringtrain_blas",
      "sources": ["native/blas.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=c11"],
      "libraries": ["-ldl"]
    }
  ]
}
