// setsockopt(SO_SNDBUF) on a stream socket's descriptor. Node sets socket buffer sizes for UDP only
// (dgram's setSendBufferSize); a Unix domain stream socket keeps net.core.wmem_default (208 KiB on most
// Linux systems), and the sender of a Unix socket waits once that much is queued for the reader.
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>
#include <node_api.h>

#include "napi-helpers.h"

// Asks for a send buffer of `bytes` on `fd` and stores what the kernel granted, as getsockopt reports it (Linux
// doubles the request for its bookkeeping, after capping it at net.core.wmem_max). Returns 0, or -1 with errno set
// and *call naming the failed call.
static int resize_send_buffer(int fd, int bytes, int *granted, const char **call) {
  socklen_t length = sizeof *granted;
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes) != 0) {
    *call = "setsockopt(SO_SNDBUF)";
    return -1;
  }
  if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, granted, &length) != 0) {
    *call = "getsockopt(SO_SNDBUF)";
    return -1;
  }
  return 0;
}

// Reads `count` int32 arguments. napi_get_value_int32 truncates fractions and wraps large numbers, so the
// TypeScript wrapper (../src/send-buffer.ts) checks the ranges before calling.
static int int_arguments(napi_env env, napi_callback_info info, size_t count, int *out) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != count) return -1;
  for (size_t i = 0; i < count; i++) {
    if (napi_get_value_int32(env, argv[i], &out[i]) != napi_ok) return -1;
  }
  return 0;
}

static napi_value int_result(napi_env env, int value) {
  napi_value result;
  return napi_create_int32(env, value, &result) == napi_ok ? result : NULL;
}

// setSendBuffer(fd, bytes): the send buffer granted to that socket.
static napi_value set_send_buffer(napi_env env, napi_callback_info info) {
  int args[2] = {-1, 0};
  if (int_arguments(env, info, 2, args) != 0 || args[0] < 0 || args[1] <= 0) {
    napi_throw_type_error(env, "E_INVALID_ARGUMENT", "setSendBuffer(fd, bytes) takes a descriptor >= 0 and a positive byte count");
    return NULL;
  }
  int granted = 0;
  const char *call = "";
  if (resize_send_buffer(args[0], args[1], &granted, &call) != 0) return throw_errno(env, "E_SOCKET_OPTION", call);
  return int_result(env, granted);
}

// probeUnixSendBuffer(bytes): the send buffer a Unix stream socket of this process would be granted, found on a
// socket pair made and closed for the purpose (what net.core.wmem_max allows, without reading /proc).
static napi_value probe_unix_send_buffer(napi_env env, napi_callback_info info) {
  int bytes = 0;
  if (int_arguments(env, info, 1, &bytes) != 0 || bytes <= 0) {
    napi_throw_type_error(env, "E_INVALID_ARGUMENT", "probeUnixSendBuffer(bytes) takes a positive byte count");
    return NULL;
  }
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) return throw_errno(env, "E_SOCKET_OPTION", "socketpair(AF_UNIX)");
  int granted = 0;
  const char *call = "";
  int failed = resize_send_buffer(pair[0], bytes, &granted, &call);
  int saved = errno;
  close(pair[0]);
  close(pair[1]);
  errno = saved;
  if (failed != 0) return throw_errno(env, "E_SOCKET_OPTION", call);
  return int_result(env, granted);
}

int export_send_buffer(napi_env env, napi_value exports) {
  return export_function(env, exports, "setSendBuffer", set_send_buffer) != 0 ||
                 export_function(env, exports, "probeUnixSendBuffer", probe_unix_send_buffer) != 0
             ? -1
             : 0;
}
