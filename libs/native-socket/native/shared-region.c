// Shared memory between two processes of one machine, placed inside memory the caller already owns: a page-aligned
// region of a typed array's buffer (in ringtrain, the WebAssembly memory the SIMD kernels work on) is replaced by a
// mapping of an anonymous shared file (memfd), so that the same bytes appear in both processes and the kernels read
// a peer's data where it lies. mmap(MAP_FIXED) swaps the pages under the region without moving it: views of the
// buffer stay valid. The creator keeps the file's descriptor open; the other process opens it as
// /proc/<creator pid>/fd/<fd> (the kernel allows that to the same user), checks that it is the very file offered
// (its inode) and that its size is sealed, and maps it too. The file has no name anywhere, so nothing is left
// behind when either process dies: its memory goes with the last mapping. Its size is sealed because a file that
// shrank under a mapping would kill the process that touched the lost pages (SIGBUS). unmapSharedRegion puts
// private zero pages back.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <node_api.h>

#include "napi-helpers.h"

// A /proc/<pid>/fd/<fd> path: well under this.
#define MAX_PATH 64

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

#define SIZE_SEALS (F_SEAL_SHRINK | F_SEAL_GROW)

// Private zero-filled pages over the region; 0 or -1 with errno set.
static int map_private(void *data, size_t bytes) {
  return mmap(data, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ? -1 : 0;
}

// Throws for a failed `call`. E_SHARED_MEMORY when the region is as it was; E_SHARED_MEMORY_LOST when a failed
// mmap(MAP_FIXED) may have taken its pages and private ones could not be put back: the caller must never use or
// hand out the region again.
static napi_value throw_failure(napi_env env, const char *call, bool mapping, void *data, size_t bytes) {
  int saved = errno;
  bool lost = mapping && map_private(data, bytes) != 0;
  errno = saved;
  return throw_errno(env, lost ? "E_SHARED_MEMORY_LOST" : "E_SHARED_MEMORY", call);
}

// Reads the one argument of `call`, a region as page_region() wants it; 0 on success, else -1 after throwing a
// TypeError that says what `call` takes.
static int one_region_argument(napi_env env, napi_callback_info info, const char *call, void **data, size_t *bytes) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == 1 && page_region(env, argv[0], data, bytes) == 0) return 0;
  char message[128];
  snprintf(message, sizeof message, "%s(region) takes a page-aligned Uint8Array of whole pages", call);
  napi_throw_type_error(env, "E_INVALID_ARGUMENT", message);
  return -1;
}

// Maps `fd` over the region, shared; 0 or -1 with errno set.
static int map_over(void *data, size_t bytes, int fd) {
  return mmap(data, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED ? -1 : 0;
}

// Whether the file's size can no longer change (F_GET_SEALS fails, -1, on files that take no seals).
static bool size_sealed(int fd) {
  int seals = fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & SIZE_SEALS) == SIZE_SEALS;
}

// { fd, inode } as a JavaScript object.
static napi_value handle_object(napi_env env, int fd, ino_t inode) {
  napi_value result, fd_value, inode_value;
  if (napi_create_object(env, &result) != napi_ok || napi_create_int32(env, fd, &fd_value) != napi_ok ||
      napi_create_double(env, (double)inode, &inode_value) != napi_ok || napi_set_named_property(env, result, "fd", fd_value) != napi_ok ||
      napi_set_named_property(env, result, "inode", inode_value) != napi_ok) {
    return NULL;
  }
  return result;
}

// createSharedRegion(region: Uint8Array): { fd, inode }. A new anonymous shared file of the region's size, its size
// sealed, mapped over it; the descriptor stays open (close it with closeSharedRegion) so that a peer can open it.
static napi_value create_shared_region(napi_env env, napi_callback_info info) {
  void *data = NULL;
  size_t bytes = 0;
  if (one_region_argument(env, info, "createSharedRegion", &data, &bytes) != 0) return NULL;
  int fd = memfd_create("ringtrain-slots", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return throw_errno(env, "E_SHARED_MEMORY", "memfd_create");
  struct stat st;
  const char *failed = ftruncate(fd, (off_t)bytes) != 0                        ? "ftruncate"
                       : fcntl(fd, F_ADD_SEALS, SIZE_SEALS | F_SEAL_SEAL) != 0 ? "fcntl(F_ADD_SEALS)"
                       : fstat(fd, &st) != 0                                  ? "fstat"
                                                                              : NULL;
  bool mapping = failed == NULL;
  if (mapping && map_over(data, bytes, fd) != 0) failed = "mmap";
  napi_value handle = failed == NULL ? handle_object(env, fd, st.st_ino) : NULL;
  if (handle == NULL) {
    if (failed == NULL) {  // mapped, but the handle could not be made: undo the mapping too
      failed = "napi_create_object";
      errno = ENOMEM;
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return throw_failure(env, failed, mapping, data, bytes);
  }
  return handle;
}

// openSharedRegion(region: Uint8Array, pid: number, fd: number, inode: number): maps another process's shared file -
// its descriptor `fd`, reached as /proc/<pid>/fd/<fd> - over the region. The file must be that inode (not another
// file that took the descriptor's number), exactly the region's size, and sealed at that size.
static napi_value open_shared_region(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  void *data = NULL;
  size_t bytes = 0;
  int32_t pid = 0;
  int32_t their_fd = -1;
  double inode = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4 || page_region(env, argv[0], &data, &bytes) != 0 ||
      napi_get_value_int32(env, argv[1], &pid) != napi_ok || napi_get_value_int32(env, argv[2], &their_fd) != napi_ok ||
      napi_get_value_double(env, argv[3], &inode) != napi_ok || pid <= 0 || their_fd < 0 || !(inode >= 0)) {
    napi_throw_type_error(env, "E_INVALID_ARGUMENT", "openSharedRegion(region, pid, fd, inode) takes a page-aligned Uint8Array of whole pages, a pid > 0, a descriptor >= 0 and an inode >= 0");
    return NULL;
  }
  char path[MAX_PATH];
  snprintf(path, sizeof path, "/proc/%d/fd/%d", pid, their_fd);
  // The peer names the descriptor: it might be a FIFO or a terminal, which must neither block nor become ours.
  int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return throw_errno(env, "E_SHARED_MEMORY", "open(/proc/PID/fd/FD)");
  struct stat st;
  const char *failed = NULL;
  bool mapping = false;
  if (fstat(fd, &st) != 0) {
    failed = "fstat";
  } else if (!S_ISREG(st.st_mode) || (double)st.st_ino != inode || (size_t)st.st_size != bytes) {
    errno = EINVAL;
    failed = "fstat (not the offered file, or not of the region's size)";
  } else if (!size_sealed(fd)) {
    errno = EINVAL;
    failed = "fcntl(F_GET_SEALS) (the file's size is not sealed)";
  } else {
    mapping = true;
    if (map_over(data, bytes, fd) != 0) failed = "mmap";
  }
  int saved = errno;
  close(fd);  // the mapping keeps the file
  errno = saved;
  return failed != NULL ? throw_failure(env, failed, mapping, data, bytes) : NULL;
}

// unmapSharedRegion(region): private zero-filled pages in place of a shared mapping.
static napi_value unmap_shared_region(napi_env env, napi_callback_info info) {
  void *data = NULL;
  size_t bytes = 0;
  if (one_region_argument(env, info, "unmapSharedRegion", &data, &bytes) != 0) return NULL;
  if (map_private(data, bytes) != 0) return throw_errno(env, "E_SHARED_MEMORY_LOST", "mmap(MAP_ANONYMOUS)");
  return NULL;
}

// closeSharedRegion(fd): closes a descriptor createSharedRegion returned (mappings stay).
static napi_value close_shared_region(napi_env env, napi_callback_info info) {
  int32_t fd = -1;
  if (one_descriptor_argument(env, info, &fd) != 0) {
    napi_throw_type_error(env, "E_INVALID_ARGUMENT", "closeSharedRegion(fd) takes a descriptor >= 0");
    return NULL;
  }
  if (close(fd) != 0) return throw_errno(env, "E_SHARED_MEMORY", "close");
  return NULL;
}

// pageBytes(): the page size regions align to.
static napi_value page_bytes(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  return napi_create_int64(env, sysconf(_SC_PAGESIZE), &result) == napi_ok ? result : NULL;
}

int export_shared_region(napi_env env, napi_value exports) {
  return export_function(env, exports, "createSharedRegion", create_shared_region) != 0 ||
                 export_function(env, exports, "openSharedRegion", open_shared_region) != 0 ||
                 export_function(env, exports, "unmapSharedRegion", unmap_shared_region) != 0 ||
                 export_function(env, exports, "closeSharedRegion", close_shared_region) != 0 ||
                 export_function(env, exports, "pageBytes", page_bytes) != 0
             ? -1
             : 0;
}
