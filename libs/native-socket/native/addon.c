// The addon's exports: socket send buffers (send-buffer.c), a Unix socket's peer (peer-credentials.c) and shared
// memory regions (shared-region.c).
#include <node_api.h>

int export_send_buffer(napi_env env, napi_value exports);
int export_peer_credentials(napi_env env, napi_value exports);
int export_shared_region(napi_env env, napi_value exports);

NAPI_MODULE_INIT() {
  return export_send_buffer(env, exports) == 0 && export_peer_credentials(env, exports) == 0 && export_shared_region(env, exports) == 0 ? exports : NULL;
}
