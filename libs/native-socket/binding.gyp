{
  "targets": [
    {
      "target_name": "ringtrain_socket",
      "sources": ["native/send-buffer.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=c11"]
    }
  ]
}
