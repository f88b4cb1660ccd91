// Shared memory between two processes of one machine, placed inside memory the caller already owns: a page-aligned
// region of a typed array's buffer (in ringtrain, the WebAssembly memory the SIMD kernels work on) is replaced by a
// mapping of a POSIX shared-memory object, so that the same bytes appear in both processes and the kernels read a
// peer's data where it lies. mmap(MAP_FIXED) swaps the pages under the region without moving it: views of the
// buffer stay valid. unmapSharedRegion puts private zero pages back.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <node_api.h>

#include "native-errors.h"

// Object names are "/" and up to 200 more characters (the TypeScript side makes them; POSIX wants one slash).
#define MAX_NAME 202

// The typed array's bytes, which must start on a page boundary and be a positive multiple of pages long.
static int page_region(napi_env env, napi_value value, void **data, size_t *bytes) {
  napi_typedarray_type type;
  size_t length = 0;
  void *raw = NULL;
  if (napi_get_typedarray_info(env, value, &type, &length, &raw, NULL, NULL) != napi_ok || type != napi_uint8_array) return -1;
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0 || length == 0 || (uintptr_t)raw % (uintptr_t)page != 0 || length % (size_t)page != 0) return -1;
  *data = raw;
  *bytes = length;
  return 0;
}

static int name_argument(napi_env env, napi_value value, char *name) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, name, MAX_NAME + 1, &length) != napi_ok) return -1;
  return length >= 2 && length < MAX_NAME && name[0] == '/' && strchr(name + 1, '/') == NULL ? 0 : -1;
}

// mapSharedRegion(region: Uint8Array, name: string, create: boolean): maps the shared-memory object `name` over
// `region` - a new one of the region's size (readable and writable by this user only) when `create`, else an
// existing one, which must have exactly that size. The region's previous contents are gone either way.
static napi_value map_shared_region(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  void *data = NULL;
  size_t bytes = 0;
  char name[MAX_NAME + 1];
  bool create = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3 || page_region(env, argv[0], &data, &bytes) != 0 ||
      name_argument(env, argv[1], name) != 0 || napi_get_value_bool(env, argv[2], &create) != napi_ok) {
    napi_throw_type_error(env, "E_INVALID_ARGUMENT", "mapSharedRegion(region, name, create) takes a page-aligned Uint8Array of whole pages, a name '/...' and a boolean");
    return NULL;
  }
  int fd = shm_open(name, create ? O_RDWR | O_CREAT | O_EXCL : O_RDWR, 0600);
  if (fd < 0) return throw_errno(env, "E_SHARED_MEMORY", "shm_open");
  const char *failed = NULL;
  struct stat st;
  if (create && ftruncate(fd, (off_t)bytes) != 0) failed = "ftruncate";
  else if (!create && fstat(fd, &st) != 0) failed = "fstat";
  else if (!create && (size_t)st.st_size != bytes) {
    errno = EINVAL;
    failed = "fstat (the object's size differs from the region's)";
  } else if (mmap(data, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
    failed = "mmap";
  }
  int saved = errno;
  close(fd);
  if (failed != NULL && create) shm_unlink(name);
  errno = saved;
  return failed != NULL ? throw_errno(env, "E_SHARED_MEMORY", failed) : NULL;
}

// unmapSharedRegion(region): private zero-filled pages in place of a mapping from mapSharedRegion.
static napi_value unmap_shared_region(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  size_t bytes = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 || page_region(env, argv[0], &data, &bytes) != 0) {
    napi_throw_type_error(env, "E_INVALID_ARGUMENT", "unmapSharedRegion(region) takes a page-aligned Uint8Array of whole pages");
    return NULL;
  }
  if (mmap(data, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
    return throw_errno(env, "E_SHARED_MEMORY", "mmap(MAP_ANONYMOUS)");
  }
  return NULL;
}

// unlinkSharedRegion(name): removes the object's name (mappings stay); a name already gone is not an error.
static napi_value unlink_shared_region(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char name[MAX_NAME + 1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 || name_argument(env, argv[0], name) != 0) {
    napi_throw_type_error(env, "E_INVALID_ARGUMENT", "unlinkSharedRegion(name) takes a name '/...'");
    return NULL;
  }
  if (shm_unlink(name) != 0 && errno != ENOENT) return throw_errno(env, "E_SHARED_MEMORY", "shm_unlink");
  return NULL;
}

// pageBytes(): the page size mapSharedRegion aligns to.
static napi_value page_bytes(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  return napi_create_int64(env, sysconf(_SC_PAGESIZE), &result) == napi_ok ? result : NULL;
}

int export_shared_region(napi_env env, napi_value exports) {
  return export_function(env, exports, "mapSharedRegion", map_shared_region) != 0 ||
                 export_function(env, exports, "unmapSharedRegion", unmap_shared_region) != 0 ||
                 export_function(env, exports, "unlinkSharedRegion", unlink_shared_region) != 0 ||
                 export_function(env, exports, "pageBytes", page_bytes) != 0
             ? -1
             : 0;
}
