{
  "targets": [
    {
      "target_name": "ringtrain_socket",
      "sources": ["native/addon.c", "native/napi-helpers.c", "native/peer-credentials.c", "native/send-buffer.c", "native/shared-region.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=c11"]
    }
  ]
}
