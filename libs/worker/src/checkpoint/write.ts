// Writing a checkpoint atomically: the bytes go to a temp file in the target's directory, are fsynced, and the
// temp file is renamed over the target, then the directory is fsynced so the rename itself survives a crash.
// A reader therefore sees either the previous complete file or the new complete file, never a partial one.
// The arrays are streamed from their own memory and hashed on the way: nothing is concatenated into a
// file-sized buffer.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Checkpoint } from './checkpoint.js';
import { HASH_ALGORITHM, checkpointError, encodePreamble, headerOf, namedArrays, requireLittleEndianHost } from './format.js';
import { parseHeader } from './header.js';

/** Writes of at most this many bytes at a time (a single write is capped near 2 GiB). */
const WRITE_CHUNK_BYTES = 1 << 26;

/** Error codes of platforms or filesystems that cannot open or fsync a directory (Windows gives EISDIR/EPERM). */
const DIRECTORY_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP']);

/** Writes all of `bytes` at the handle's current position. */
async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, Math.min(bytes.length - written, WRITE_CHUNK_BYTES));
    written += bytesWritten;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    if (!DIRECTORY_SYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    await handle?.close();
  }
}

/** The whole file into `temp`: preamble, arrays, then the SHA-256 of both; fsynced before return. */
async function writeTempFile(temp: string, preamble: Uint8Array, checkpoint: Checkpoint): Promise<void> {
  const handle = await open(temp, 'wx');
  try {
    const hash = createHash(HASH_ALGORITHM);
    const arrays = namedArrays(checkpoint).map(([, values]) => new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    for (const bytes of [preamble, ...arrays]) {
      hash.update(bytes);
      await writeAll(handle, bytes);
    }
    await writeAll(handle, hash.digest());
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `checkpoint` to `path` atomically (temp file `<path>.tmp-<pid>-<random>` in the same directory, fsync,
 * rename, fsync of the directory), creating the directory if needed. An existing file at `path` is replaced.
 * Throws CheckpointError (subject: `path`) when the checkpoint is invalid (the same rules readCheckpoint
 * applies, e.g. a non-integer step or a slot whose length differs from params) or the file cannot be
 * written; no temp file is left behind then. The arrays are streamed from where they are while the promise is
 * pending: do not change them until it settles.
 */
export async function writeCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  requireLittleEndianHost(path);
  const headerJson = JSON.stringify(headerOf(checkpoint));
  parseHeader(JSON.parse(headerJson), (problem) => {
    throw checkpointError(path, `invalid checkpoint, not written: ${problem}`);
  });
  const preamble = encodePreamble(headerJson);
  const dir = dirname(path);
  const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await mkdir(dir, { recursive: true });
    await writeTempFile(temp, preamble, checkpoint);
    await rename(temp, path);
  } catch (err) {
    // Should removing the temp file fail as well, the write's own error is still the one to report.
    await rm(temp, { force: true }).catch(() => undefined);
    throw checkpointError(path, `cannot write the checkpoint: ${(err as Error).message}`, err);
  }
  try {
    await syncDirectory(dir);
  } catch (err) {
    const problem = `written, but the directory ${dir} could not be synced, so the rename may not survive a crash`;
    throw checkpointError(path, `${problem}: ${(err as Error).message}`, err);
  }
}
