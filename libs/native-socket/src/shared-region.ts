// Memory two processes of one machine share, placed inside memory this process already owns: a page-aligned region
// of a typed array's buffer (ringtrain's SIMD memory, where the collectives reduce in place) is replaced by a
// mapping of an anonymous shared file (memfd_create, its size sealed). One process creates it over its region and
// tells the other its handle (pid, descriptor, inode); the other opens /proc/<pid>/fd/<fd> - the kernel lets the
// same user do so -, checks the inode and the seals, and maps it over a region of its own. The bytes one writes are then the bytes the other reads, and views of the
// buffer stay valid: the pages change, the addresses do not. The file has no name, so a process that dies leaves
// nothing behind. Linux only: elsewhere every call reports why not.

import { addon, type Addon } from './addon.js';

/**
 * `lost` is set when a failed mapping may have taken the region's pages and private ones could not be put back: the
 * region must then never be used or handed out again (rare: the kernel refused memory).
 */
export type SharedRegionResult = { ok: true } | { ok: false; reason: string; lost?: true };

/** How a peer reaches a shared region: the creating process, its descriptor of the file, and the file's inode. */
export interface SharedRegionHandle {
  pid: number;
  fd: number;
  inode: number;
}

/** The addon on a platform where mapping over a buffer is known to work, or why not. */
function usable(): Addon | string {
  if (process.platform !== 'linux') return `shared memory regions are implemented for Linux only (this is ${process.platform})`;
  return addon();
}

type Failure = Exclude<SharedRegionResult, { ok: true }>;

/** Runs `call` on the addon, turning every failure into a reason. */
function attempt<T>(call: (native: Addon) => T): { ok: true; value: T } | Failure {
  const native = usable();
  if (typeof native === 'string') return { ok: false, reason: native };
  try {
    return { ok: true, value: call(native) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return (error as { code?: unknown }).code === 'E_SHARED_MEMORY_LOST' ? { ok: false, reason, lost: true } : { ok: false, reason };
  }
}

const done = (result: { ok: true } | Failure): SharedRegionResult => (result.ok ? { ok: true } : result);

/** The page size regions must be aligned to and made of, or why shared regions cannot be used here. */
export function sharedRegionPageBytes(): number | string {
  const native = usable();
  return typeof native === 'string' ? native : native.pageBytes();
}

/**
 * Maps a new shared file of the region's size over `region` (page-aligned, whole pages; its bytes are zeros
 * afterwards) and returns the handle a peer opens it by. Its descriptor stays open until closeSharedRegion. Never
 * throws.
 */
export function createSharedRegion(region: Uint8Array): { ok: true; handle: SharedRegionHandle } | Failure {
  const created = attempt((native) => native.createSharedRegion(region));
  return created.ok ? { ok: true, handle: { pid: process.pid, ...created.value } } : created;
}

/**
 * Maps the shared file another process created (its `handle`) over `region`: the very file (its inode), of the
 * region's size, sealed at that size. Never throws.
 */
export function openSharedRegion(region: Uint8Array, handle: SharedRegionHandle): SharedRegionResult {
  const bad = badHandle(handle);
  if (bad !== undefined) return { ok: false, reason: bad };
  return done(attempt((native) => native.openSharedRegion(region, handle.pid, handle.fd, handle.inode)));
}

/**
 * Why a handle cannot name a region, checked here because the addon reads pid and descriptor as int32 (which turns
 * NaN into 0 and wraps large numbers), or undefined.
 */
function badHandle({ pid, fd, inode }: SharedRegionHandle): string | undefined {
  const int32 = (v: number, min: number): boolean => Number.isInteger(v) && v >= min && v <= 0x7fffffff;
  if (!int32(pid, 1) || !int32(fd, 0) || !Number.isSafeInteger(inode) || inode < 0) return `not a region handle: pid ${pid}, descriptor ${fd}, inode ${inode}`;
  return undefined;
}

/** Puts private zero-filled pages back under a region mapped by createSharedRegion or openSharedRegion. Never throws. */
export function unmapSharedRegion(region: Uint8Array): SharedRegionResult {
  return done(attempt((native) => native.unmapSharedRegion(region)));
}

/** Closes the descriptor of a region this process created (the mappings stay; peers can no longer open it). Never throws. */
export function closeSharedRegion(handle: SharedRegionHandle): SharedRegionResult {
  if (handle.pid !== process.pid) return { ok: false, reason: `the region was created by process ${handle.pid}, not this one: its descriptor is not ours to close` };
  const bad = badHandle(handle);
  if (bad !== undefined) return { ok: false, reason: bad };
  return done(attempt((native) => native.closeSharedRegion(handle.fd)));
}
