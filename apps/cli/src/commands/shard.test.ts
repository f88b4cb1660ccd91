// `ringtrain shard` through the real binary, against torch's DistributedSampler (fixture made by
// test/fixtures/data/make_fixtures.py) and against the sampler the training loop uses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DistributedSampler } from '@ringtrain/data';
import { expectUsageError, REPO_ROOT, runCli } from '../testing/run-cli.js';

interface TorchCase {
  datasetSize: number;
  worldSize: number;
  dropLast: boolean;
  /** torch's indices of each rank, shuffle=False. */
  ranks: number[][];
}

const fixture = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/data/distributed_sampler.json'), 'utf8')) as { cases: TorchCase[] };

function torchCase(datasetSize: number, worldSize: number, dropLast: boolean): TorchCase {
  const found = fixture.cases.find((c) => c.datasetSize === datasetSize && c.worldSize === worldSize && c.dropLast === dropLast);
  if (found === undefined) throw new Error(`no torch case for ${datasetSize}/${worldSize}/${dropLast}`);
  return found;
}

async function shardJson(args: string[]): Promise<number[]> {
  const { code, stdout, stderr } = await runCli(['shard', ...args, '--json']);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(stdout) as number[];
}

describe.concurrent('ringtrain shard', { timeout: 30_000 }, () => {
  it('--no-shuffle --drop-last equals torch', async () => {
    // 17 samples over 5 ranks with drop_last: total size 15, rank 4 gets [4, 9, 14].
    const indices = await shardJson(['--dataset-size', '17', '--world-size', '5', '--rank', '4', '--no-shuffle', '--drop-last']);
    expect(indices).toEqual(torchCase(17, 5, true).ranks[4]);
  });

  it('shuffled: the ranks together cover the dataset once, padded with the start of the order', async () => {
    // 7 samples over 2 ranks: total size 8. Interleaving the shards (position p = rank + 2k) rebuilds the padded
    // order: a permutation of 0..6, then its first element again.
    const shards = await Promise.all(
      [0, 1].map((rank) => shardJson(['--dataset-size', '7', '--world-size', '2', '--rank', String(rank), '--seed', '5', '--epoch', '3'])),
    );
    const padded = Array.from({ length: 8 }, (_, p) => shards[p % 2]![Math.floor(p / 2)]);
    expect([...padded.slice(0, 7)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(padded[7]).toBe(padded[0]);
    shards.forEach((shard, rank) => {
      const sampler = new DistributedSampler({ datasetSize: 7, worldSize: 2, rank, seed: 5 });
      sampler.setEpoch(3);
      expect(shard).toEqual(Array.from(sampler.indices()));
    });
  });

  it('without --json: a summary with sizes, padding and the first indices', async () => {
    const { code, stdout } = await runCli(['shard', '--dataset-size', '10', '--world-size', '3', '--rank', '1', '--no-shuffle']);
    expect(code).toBe(0);
    // torch: num_samples = ceil(10 / 3) = 4, total_size 12, rank 1 takes positions 1, 4, 7, 10 -> index 10 mod 10 = 0.
    expect(stdout).toBe(
      [
        'rank 1 of world size 3, epoch 0, not shuffled',
        'num samples 4 per rank; dataset size 10, total size 12 (2 padded by repeating the start of the order)',
        `indices: ${torchCase(10, 3, false).ranks[1]!.join(', ')}`,
        '',
      ].join('\n'),
    );
  });

  it.each([
    { option: '--world-size', args: ['--world-size', '0', '--rank', '0'] },
    { option: '--rank', args: ['--world-size', '4', '--rank', '4'] },
  ])('bad $option: exit 2, one line naming it, no stack trace', async ({ option, args }) => {
    expectUsageError(await runCli(['shard', '--dataset-size', '10', ...args, '--json']), option);
  });
});
