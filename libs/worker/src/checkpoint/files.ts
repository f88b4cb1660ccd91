// Checkpoint files in a directory: `ckpt-<step, zero-padded to 8 digits>.rtckpt`, so a directory listing sorts
// them by step up to step 99,999,999 (order is still decided numerically, beyond that too). Only names that
// checkpointFileName itself produces count: writeCheckpoint's temp files (`<name>.tmp-<pid>-<random>`) and
// anything else in the directory are ignored.

import { InvalidArgumentError } from '@ringtrain/common';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkpointError } from './format.js';

const CHECKPOINT_NAME = /^ckpt-(\d+)\.rtckpt$/;

interface CheckpointFile {
  step: number;
  path: string;
}

/** The file name of the checkpoint taken after `step` optimizer steps: `ckpt-00001234.rtckpt`. */
export function checkpointFileName(step: number): string {
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`checkpoint step must be an integer >= 0, got ${step}`);
  return `ckpt-${String(step).padStart(8, '0')}.rtckpt`;
}

function stepOf(name: string): number | undefined {
  const digits = CHECKPOINT_NAME.exec(name)?.[1];
  if (digits === undefined) return undefined;
  const step = Number(digits);
  // Rejects other spellings of a step (ckpt-7.rtckpt, ckpt-000000007.rtckpt) and steps past 2^53.
  return Number.isSafeInteger(step) && checkpointFileName(step) === name ? step : undefined;
}

/** The checkpoints in `dir`, oldest (lowest step) first; none when `dir` does not exist. */
async function listCheckpoints(dir: string): Promise<CheckpointFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw checkpointError(dir, `cannot list the checkpoint directory: ${(err as Error).message}`, err);
  }
  const files: CheckpointFile[] = [];
  for (const name of names) {
    const step = stepOf(name);
    if (step !== undefined) files.push({ step, path: join(dir, name) });
  }
  return files.sort((a, b) => a.step - b.step);
}

/**
 * The path of the checkpoint with the highest step in `dir`, or undefined when there is none (also when `dir`
 * does not exist yet). Throws CheckpointError when `dir` cannot be listed (not a directory, no permission).
 */
export async function latestCheckpoint(dir: string): Promise<string | undefined> {
  return (await listCheckpoints(dir)).at(-1)?.path;
}

/**
 * What `--resume PATH` reads: PATH itself when it is a file, the latest checkpoint in it when it is a directory.
 * Throws CheckpointError (subject: PATH) when PATH does not exist or is a directory without checkpoints.
 */
export async function resolveResumePath(pathOrDir: string): Promise<string> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(pathOrDir)).isDirectory();
  } catch (err) {
    throw checkpointError(pathOrDir, `cannot resume from it: ${(err as Error).message}`, err);
  }
  if (!isDirectory) return pathOrDir;
  const latest = await latestCheckpoint(pathOrDir);
  if (latest === undefined) {
    throw checkpointError(pathOrDir, `cannot resume from it: the directory holds no checkpoint (${checkpointFileName(0)}, ...)`);
  }
  return latest;
}

/**
 * Deletes all but the `keep` newest (highest-step) checkpoints in `dir` and returns the deleted paths, oldest
 * first. Other files, temp files included, are left alone. Throws InvalidArgumentError (subject: keep) unless
 * `keep` is an integer >= 1, CheckpointError when a file cannot be deleted.
 */
export async function pruneCheckpoints(dir: string, keep: number): Promise<string[]> {
  if (!Number.isSafeInteger(keep) || keep < 1) {
    throw new InvalidArgumentError(`checkpoints to keep must be an integer >= 1, got ${keep}`, { subject: 'keep' });
  }
  const files = await listCheckpoints(dir);
  const doomed = files.slice(0, Math.max(0, files.length - keep)).map((file) => file.path);
  for (const path of doomed) {
    try {
      await rm(path, { force: true });
    } catch (err) {
      throw checkpointError(path, `cannot delete the old checkpoint: ${(err as Error).message}`, err);
    }
  }
  return doomed;
}
