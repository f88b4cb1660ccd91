// Memory two processes of one machine share, placed inside memory this process already owns: a page-aligned region
// of a typed array's buffer (ringtrain's SIMD memory, where the collectives reduce in place) is replaced by a
// mapping of a POSIX shared-memory object (shm_open; /dev/shm on Linux). One process creates the object over its
// region and tells the other the name; the other maps it over a region of its own and removes the name. The bytes
// one writes are then the bytes the other reads, and views of the buffer stay valid: the pages change, the
// addresses do not. Linux only: elsewhere every call reports why not.

import { randomBytes } from 'node:crypto';
import { addon, type Addon } from './addon.js';

export type SharedRegionResult = { ok: true } | { ok: false; reason: string };

/** The addon on a platform where mapping over a buffer is known to work, or why not. */
function usable(): Addon | string {
  if (process.platform !== 'linux') return `shared memory regions are implemented for Linux only (this is ${process.platform})`;
  return addon();
}

/** Runs `call` on the addon, turning every failure into a reason. */
function attempt(call: (native: Addon) => void): SharedRegionResult {
  const native = usable();
  if (typeof native === 'string') return { ok: false, reason: native };
  try {
    call(native);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** The page size regions must be aligned to and made of, or why shared regions cannot be used here. */
export function sharedRegionPageBytes(): number | string {
  const native = usable();
  return typeof native === 'string' ? native : native.pageBytes();
}

/** A fresh object name: unguessable, so that no other process claims it first. */
export function newSharedRegionName(): string {
  return `/ringtrain-${process.pid}-${randomBytes(12).toString('hex')}`;
}

/**
 * Maps the shared-memory object `name` over `region` (page-aligned, whole pages): a new object of the region's size,
 * readable and writable by this user only, when `create`; else the existing one, which must have that size. The
 * region's bytes are those of the object afterwards (zeros for a new one). Never throws.
 */
export function mapSharedRegion(region: Uint8Array, name: string, create: boolean): SharedRegionResult {
  return attempt((native) => native.mapSharedRegion(region, name, create));
}

/** Puts private zero-filled pages back under a region mapSharedRegion mapped. Never throws. */
export function unmapSharedRegion(region: Uint8Array): SharedRegionResult {
  return attempt((native) => native.unmapSharedRegion(region));
}

/** Removes an object's name (mappings of it stay); a name already removed is not an error. Never throws. */
export function unlinkSharedRegion(name: string): SharedRegionResult {
  return attempt((native) => native.unlinkSharedRegion(name));
}
