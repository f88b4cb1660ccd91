// The process at the other end of a connected Unix domain socket, as the kernel knows it (SO_PEERCRED): unlike what
// the peer says of itself, it cannot be made up, and it is the peer's pid as this process's PID namespace sees it.
#define _GNU_SOURCE
#include <sys/socket.h>
#include <node_api.h>

#include "napi-helpers.h"

// peerPid(fd): the pid of the process that connected (or accepted) the Unix socket `fd`; 0 when it is in a PID
// namespace this process cannot see (or `fd` is not a Unix socket).
static napi_value peer_pid(napi_env env, napi_callback_info info) {
  int32_t fd = -1;
  if (one_descriptor_argument(env, info, &fd) != 0) {
    napi_throw_type_error(env, "E_INVALID_ARGUMENT", "peerPid(fd) takes a descriptor >= 0");
    return NULL;
  }
  struct ucred credentials;
  socklen_t length = sizeof credentials;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0 || length != sizeof credentials) {
    return throw_errno(env, "E_SOCKET_OPTION", "getsockopt(SO_PEERCRED)");
  }
  napi_value result;
  return napi_create_int32(env, credentials.pid, &result) == napi_ok ? result : NULL;
}

int export_peer_credentials(napi_env env, napi_value exports) {
  return export_function(env, exports, "peerPid", peer_pid);
}
