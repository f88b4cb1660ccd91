// Helpers for the checkpoint tests: a scratch directory per test, a sample checkpoint, hand-built files.

import { CheckpointError, ErrorCodes } from '@ringtrain/common';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import type { Checkpoint } from './checkpoint.js';
import { encodePreamble } from './format.js';

/** A fresh directory under os.tmpdir() for each test of the calling file, removed after it; call at file level. */
export function useTempDir(): () => string {
  let dir: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ringtrain-ckpt-'));
  });
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => {
    if (dir === undefined) throw new Error('useTempDir: no test is running');
    return dir;
  };
}

/** A small AdamW checkpoint with distinct, exactly representable values in every field. */
export function sampleCheckpoint(overrides: Partial<Checkpoint> = {}): Checkpoint {
  return {
    step: 1200,
    epoch: 3,
    samplerOffset: 96,
    worldSize: 4,
    batchSize: 32,
    seed: 42,
    config: { model: 'mlp', optimizer: 'adamw', lr: 0.001, epochs: 10, schedule: { name: 'cosine', warmupSteps: 100 } },
    optimizer: {
      name: 'adamw',
      step: 1200,
      slots: { exp_avg: Float32Array.of(0.5, -0.25, 0.125), exp_avg_sq: Float32Array.of(0.0625, 1, 2) },
    },
    params: Float32Array.of(1.5, -2, 3.25),
    modelState: Float32Array.of(0.75, 4),
    paramHash: 'f00dfeed',
    createdAt: '2025-06-01T12:34:56.789Z',
    ...overrides,
  };
}

/** Replaces the trailing SHA-256 of a checkpoint file's bytes with the correct one, as a forger would. */
export function withValidChecksum(file: Uint8Array): Uint8Array {
  const end = file.length - 32;
  file.set(createHash('sha256').update(file.subarray(0, end)).digest(), end);
  return file;
}

/** A file with the given header text and array section, and a correct checksum over both. */
export function forgeFile(headerJson: string, section: Uint8Array = new Uint8Array(0)): Uint8Array {
  const preamble = encodePreamble(headerJson);
  const file = new Uint8Array(preamble.length + section.length + 32);
  file.set(preamble);
  file.set(section, preamble.length);
  return withValidChecksum(file);
}

/** Awaits `promise` and checks it failed with a CheckpointError about `file` whose message matches `problem`. */
export async function expectCheckpointError(promise: Promise<unknown>, file: string, problem: RegExp | string): Promise<CheckpointError> {
  const err = await promise.then(
    () => expect.unreachable('expected a CheckpointError'),
    (caught: unknown) => caught,
  );
  expect(err).toBeInstanceOf(CheckpointError);
  const checkpointError = err as CheckpointError;
  expect(checkpointError.code).toBe(ErrorCodes.CHECKPOINT);
  expect(checkpointError.context.subject).toBe(file);
  expect(checkpointError.message).toContain(file);
  expect(checkpointError.message).toMatch(problem);
  return checkpointError;
}
