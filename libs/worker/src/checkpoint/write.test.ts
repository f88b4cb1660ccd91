import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointFileName, latestCheckpoint } from './files.js';
import { readCheckpoint } from './read.js';
import { expectCheckpointError, sampleCheckpoint, useTempDir } from './test-support.js';
import { writeCheckpoint } from './write.js';

const tempDir = useTempDir();

describe('writeCheckpoint', () => {
  it('creates missing directories and leaves only the checkpoint behind', async () => {
    const dir = join(tempDir(), 'run', 'checkpoints');
    await writeCheckpoint(join(dir, checkpointFileName(10)), sampleCheckpoint({ step: 10 }));
    expect(await readdir(dir)).toEqual(['ckpt-00000010.rtckpt']);
  });

  it('ignores a temp file a crashed writer left behind when looking for the latest checkpoint', async () => {
    const dir = tempDir();
    await writeCheckpoint(join(dir, checkpointFileName(10)), sampleCheckpoint({ step: 10 }));
    // What a writer killed before its rename leaves: a partial file under the temp name of step 20.
    await writeFile(join(dir, `${checkpointFileName(20)}.tmp-4242-0123456789ab`), 'RTCKPT02 partial');
    const latest = await latestCheckpoint(dir);
    expect(latest).toBe(join(dir, 'ckpt-00000010.rtckpt'));
    expect((await readCheckpoint(latest!)).step).toBe(10);
  });

  it('fails with a CheckpointError when the directory is a file, and leaves no temp file', async () => {
    const blocker = join(tempDir(), 'not-a-dir');
    await writeFile(blocker, 'x');
    const target = join(blocker, checkpointFileName(1));
    await expectCheckpointError(writeCheckpoint(target, sampleCheckpoint()), target, /cannot write the checkpoint: (ENOTDIR|EEXIST)/);
    expect(await readdir(tempDir())).toEqual(['not-a-dir']);
  });

  it('removes its temp file when the rename fails (the target is a non-empty directory)', async () => {
    const target = join(tempDir(), checkpointFileName(1));
    await mkdir(target);
    await writeFile(join(target, 'keep'), 'x');
    await expectCheckpointError(writeCheckpoint(target, sampleCheckpoint()), target, /cannot write the checkpoint: (EISDIR|ENOTEMPTY|EEXIST|EPERM)/);
    expect(await readdir(tempDir())).toEqual(['ckpt-00000001.rtckpt']);
    expect(await readdir(target)).toEqual(['keep']);
  });

  it.each<[string, Parameters<typeof sampleCheckpoint>[0], string]>([
    ['a fractional step', { step: 2.5 }, "'step' must be an integer >= 0, got 2.5"],
    ['a NaN sampler offset (JSON writes it as null)', { samplerOffset: NaN }, "'samplerOffset' must be an integer >= 0, got null"],
    ['a timestamp in local time', { createdAt: '2025-06-01T14:34:56+02:00' }, "'createdAt' must be a UTC timestamp"],
    [
      'a slot longer than params',
      { optimizer: { name: 'sgd', step: 1, slots: { momentum_buffer: new Float32Array(4) } } },
      "optimizer slot 'optimizer.slots.momentum_buffer' holds 4 values, params 3",
    ],
  ])('rejects %s before touching the disk', async (_what, overrides, problem) => {
    const target = join(tempDir(), 'sub', checkpointFileName(1));
    const err = await expectCheckpointError(writeCheckpoint(target, sampleCheckpoint(overrides)), target, problem);
    expect(err.message).toContain('invalid checkpoint, not written');
    expect(await readdir(tempDir())).toEqual([]);
  });
});
