// setsockopt(SO_SNDBUF) on a stream socket's descriptor. Node sets socket buffer sizes for UDP only
// (dgram's setSendBufferSize); a Unix domain stream socket keeps net.core.wmem_default (208 KiB on most
// Linux systems), and the sender of a Unix socket waits once that much is queued for the reader.
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <node_api.h>

static napi_value throw_errno(napi_env env, const char *call) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", call, strerror(errno));
  napi_throw_error(env, "E_SOCKET_OPTION", message);
  return NULL;
}

// setSendBuffer(fd, bytes): asks for a send buffer of `bytes` and returns what the kernel granted, as
// getsockopt reports it (Linux doubles the request for its bookkeeping, after capping it at
// net.core.wmem_max).
static napi_value set_send_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int fd = -1;
  int bytes = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int32(env, argv[1], &bytes) != napi_ok ||
      fd < 0 || bytes <= 0) {
    napi_throw_type_error(env, "E_INVALID_ARGUMENT", "setSendBuffer(fd, bytes) takes a descriptor >= 0 and a positive byte count");
    return NULL;
  }
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes) != 0) return throw_errno(env, "setsockopt(SO_SNDBUF)");
  int granted = 0;
  socklen_t length = sizeof granted;
  if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &granted, &length) != 0) return throw_errno(env, "getsockopt(SO_SNDBUF)");
  napi_value result;
  napi_create_int32(env, granted, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "setSendBuffer", NAPI_AUTO_LENGTH, set_send_buffer, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "setSendBuffer", fn) != napi_ok) {
    return NULL;
  }
  return exports;
}
