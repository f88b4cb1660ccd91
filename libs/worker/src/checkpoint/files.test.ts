import { InvalidArgumentError } from '@ringtrain/common';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointFileName, latestCheckpoint, pruneCheckpoints, resolveResumePath } from './files.js';
import { readCheckpoint } from './read.js';
import { expectCheckpointError, sampleCheckpoint, useTempDir } from './test-support.js';
import { writeCheckpoint } from './write.js';

const tempDir = useTempDir();

/** Empty files under the given names: the functions here look at names only. */
async function touch(dir: string, names: readonly string[]): Promise<void> {
  await Promise.all(names.map((name) => writeFile(join(dir, name), '')));
}

/** Names that look like checkpoints but are not checkpointFileName's output, plus unrelated files. */
const DISTRACTORS = [
  'ckpt-00000500.rtckpt.tmp-77-a1b2c3d4e5f6', // a writer's temp file
  'ckpt-00000600.rtckpt.bak',
  'ckpt-700.rtckpt', // not padded
  'ckpt-000000800.rtckpt', // padded past 8 digits
  'ckpt-00000900.ckpt',
  'notes.txt',
];

describe('checkpointFileName', () => {
  it('zero-pads the step to 8 digits and lets larger steps grow', () => {
    expect(checkpointFileName(0)).toBe('ckpt-00000000.rtckpt');
    expect(checkpointFileName(1234)).toBe('ckpt-00001234.rtckpt');
    expect(checkpointFileName(123456789)).toBe('ckpt-123456789.rtckpt');
  });

  it.each([-1, 1.5, NaN])('rejects step %s', (step) => {
    expect(() => checkpointFileName(step)).toThrow(RangeError);
  });
});

describe('latestCheckpoint', () => {
  it('orders by the numeric step: 100 after 10 after 9', async () => {
    const dir = tempDir();
    for (const step of [10, 100, 9]) await writeCheckpoint(join(dir, checkpointFileName(step)), sampleCheckpoint({ step }));
    const latest = await latestCheckpoint(dir);
    expect(latest).toBe(join(dir, 'ckpt-00000100.rtckpt'));
    expect((await readCheckpoint(latest!)).step).toBe(100);
  });

  it('orders a 9-digit step after the largest 8-digit one, which a plain name sort would not', async () => {
    const dir = tempDir();
    await touch(dir, [checkpointFileName(99999999), checkpointFileName(100000000)]);
    expect(await latestCheckpoint(dir)).toBe(join(dir, 'ckpt-100000000.rtckpt'));
  });

  it('counts only names checkpointFileName produces', async () => {
    const dir = tempDir();
    await touch(dir, [checkpointFileName(9), checkpointFileName(10), ...DISTRACTORS]);
    expect(await latestCheckpoint(dir)).toBe(join(dir, 'ckpt-00000010.rtckpt'));
  });

  it('is undefined for an empty or missing directory', async () => {
    await touch(tempDir(), DISTRACTORS);
    expect(await latestCheckpoint(tempDir())).toBeUndefined();
    expect(await latestCheckpoint(join(tempDir(), 'not-yet-created'))).toBeUndefined();
  });

  it('throws a CheckpointError when the directory is a file', async () => {
    const path = join(tempDir(), 'file');
    await writeFile(path, 'x');
    await expectCheckpointError(latestCheckpoint(path), path, /cannot list the checkpoint directory: ENOTDIR/);
  });
});

describe('resolveResumePath', () => {
  it('takes a file path as is, whatever its name', async () => {
    const path = join(tempDir(), 'my-best.rtckpt');
    await touch(tempDir(), ['my-best.rtckpt']);
    expect(await resolveResumePath(path)).toBe(path);
  });

  it('takes the latest checkpoint of a directory', async () => {
    await touch(tempDir(), [checkpointFileName(9), checkpointFileName(100), checkpointFileName(10)]);
    expect(await resolveResumePath(tempDir())).toBe(join(tempDir(), 'ckpt-00000100.rtckpt'));
  });

  it('throws a CheckpointError for a directory without checkpoints', async () => {
    await touch(tempDir(), DISTRACTORS);
    await expectCheckpointError(resolveResumePath(tempDir()), tempDir(), 'cannot resume from it: the directory holds no checkpoint (ckpt-00000000.rtckpt, ...)');
  });

  it('throws a CheckpointError for a path that does not exist', async () => {
    const path = join(tempDir(), 'nowhere');
    await expectCheckpointError(resolveResumePath(path), path, /cannot resume from it: ENOENT/);
  });
});

describe('pruneCheckpoints', () => {
  it('deletes all but the newest `keep` checkpoints and nothing else', async () => {
    const dir = tempDir();
    await touch(dir, [20, 1, 100, 3, 10].map(checkpointFileName));
    await touch(dir, DISTRACTORS);
    const deleted = await pruneCheckpoints(dir, 2);
    expect(deleted).toEqual([1, 3, 10].map((step) => join(dir, checkpointFileName(step))));
    expect((await readdir(dir)).sort()).toEqual([checkpointFileName(20), checkpointFileName(100), ...DISTRACTORS].sort());
  });

  it('deletes nothing when there are at most `keep` checkpoints, or no directory', async () => {
    await touch(tempDir(), [checkpointFileName(5), checkpointFileName(6)]);
    expect(await pruneCheckpoints(tempDir(), 2)).toEqual([]);
    expect(await readdir(tempDir())).toHaveLength(2);
    expect(await pruneCheckpoints(join(tempDir(), 'missing'), 1)).toEqual([]);
  });

  it.each([0, -1, 1.5])('rejects keep = %s', async (keep) => {
    await mkdir(join(tempDir(), 'd'));
    await expect(pruneCheckpoints(join(tempDir(), 'd'), keep)).rejects.toThrow(InvalidArgumentError);
  });
});
