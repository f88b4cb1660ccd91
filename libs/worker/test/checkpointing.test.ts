// Resuming is exact or refused: a checkpoint loads only into a run that would consume the same samples.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '@ringtrain/data';
import { changedRunOptions, checkpointOf, restoreCheckpoint } from '../src/checkpointing.js';
import { Replica } from '../src/replica.js';
import { config, mnistSlice } from './training-fixtures.js';

let dataset: Dataset;
beforeAll(async () => {
  dataset = await mnistSlice(64, 10);
});

describe('restoreCheckpoint', () => {
  const written = () => {
    const runConfig = config({ seed: 3, batchSize: 16 });
    const source = Replica.create(runConfig, dataset);
    source.params.fill(0.25);
    return checkpointOf(source, { step: 12, epoch: 1, consumed: 32 }, runConfig, 2);
  };

  it('loads parameters and position into a run with the same data options, whatever its world size', () => {
    const target = Replica.create(config({ seed: 3, batchSize: 16, epochs: 5, lr: 0.01 }), dataset);
    // Written by 2 ranks; the position counts samples of the epoch over all ranks, so 3 ranks split the rest.
    expect(restoreCheckpoint(target, written(), 'ckpt', { config: config({ seed: 3, batchSize: 16, epochs: 5, lr: 0.01 }) })).toEqual({ step: 12, epoch: 1, consumed: 32 });
    expect(target.params.every((v) => v === 0.25)).toBe(true);
  });

  it('refuses another seed or batch size, naming both values', () => {
    const target = Replica.create(config({}), dataset);
    expect(() => restoreCheckpoint(target, written(), 'ckpt', { config: config({ seed: 4, batchSize: 8 }) })).toThrow(
      'ckpt was written by a run with --seed 3 (this run: 4), --batch-size 16 (this run: 8). Resume with the same values.',
    );
  });
});

describe('changedRunOptions', () => {
  it('lists the run options a resume changes (not the data options, which must match, nor node options), with both values', () => {
    // The checkpoint's run: seed 3, batch 16, lr 0.05 (the fixtures' default), 1 epoch, SGD.
    const checkpointConfig = checkpointOf(Replica.create(config({ seed: 3, batchSize: 16 }), dataset), { step: 12, epoch: 1, consumed: 32 }, config({ seed: 3, batchSize: 16 }), 2).config;
    expect(changedRunOptions(checkpointConfig, config({ seed: 3, batchSize: 16 }))).toEqual([]);
    expect(changedRunOptions(checkpointConfig, config({ seed: 3, batchSize: 16, epochs: 5, lr: 0.01, clipNorm: 1, out: '/elsewhere' }))).toEqual([
      '--epochs 5 (the checkpoint\'s run: 1)',
      '--lr 0.01 (the checkpoint\'s run: 0.05)',
      '--clip-norm 1 (the checkpoint\'s run: (unset))',
    ]);
  });
});
