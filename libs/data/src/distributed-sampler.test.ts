import { InvalidArgumentError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { readFixture } from '../test/read-fixture.js';
import { DistributedSampler, type DistributedSamplerOptions } from './distributed-sampler.js';

interface TorchCase {
  datasetSize: number;
  worldSize: number;
  dropLast: boolean;
  numSamples: number;
  totalSize: number;
  ranks: number[][];
}
interface ShuffledCase {
  datasetSize: number;
  worldSize: number;
  seed: number;
  epoch: number;
  dropLast: boolean;
  ranks: number[][];
}

const torchCases = readFixture<{ cases: TorchCase[] }>('distributed_sampler.json').cases;
const shuffledCases = readFixture<{ samplers: ShuffledCase[] }>('ringtrain_shuffle.json').samplers;

function shardsOf(options: Omit<DistributedSamplerOptions, 'rank'>, epoch = 0): number[][] {
  return Array.from({ length: options.worldSize }, (_, rank) => {
    const sampler = new DistributedSampler({ ...options, rank });
    sampler.setEpoch(epoch);
    return Array.from(sampler.indices());
  });
}

function countOccurrences(shards: number[][], datasetSize: number): number[] {
  const counts = new Array<number>(datasetSize).fill(0);
  for (const shard of shards) for (const index of shard) counts[index]!++;
  return counts;
}

describe('DistributedSampler without shuffle: torch 1.13 golden indices', () => {
  it.each(torchCases)('n=$datasetSize world=$worldSize dropLast=$dropLast', (c) => {
    const options = { datasetSize: c.datasetSize, worldSize: c.worldSize, dropLast: c.dropLast, shuffle: false };
    const sampler = new DistributedSampler({ ...options, rank: 0 });
    expect(sampler.numSamples).toBe(c.numSamples);
    expect(sampler.totalSize).toBe(c.totalSize);
    // The fixture was taken at epoch 3: without shuffle the epoch changes nothing.
    expect(shardsOf(options, 3)).toEqual(c.ranks);
  });
});

describe('DistributedSampler with shuffle', () => {
  it.each(shuffledCases)('n=$datasetSize world=$worldSize seed=$seed epoch=$epoch: the Python mirror\'s indices', (c) => {
    const options = { datasetSize: c.datasetSize, worldSize: c.worldSize, seed: c.seed, dropLast: c.dropLast };
    expect(shardsOf(options, c.epoch)).toEqual(c.ranks);
  });

  it('covers every index once when the world size divides the dataset (ranks disjoint)', () => {
    const shards = shardsOf({ datasetSize: 120, worldSize: 4, seed: 3 }, 2);
    expect(countOccurrences(shards, 120)).toEqual(new Array(120).fill(1));
  });

  it('pads with exactly totalSize - n duplicates, all taken from the start of the order', () => {
    // n = 10, world 4: numSamples = ceil(10/4) = 3, totalSize 12, so 2 indices appear twice: the first two
    // of the epoch's order, which are rank 0's and rank 1's first indices (positions 0 and 1).
    const shards = shardsOf({ datasetSize: 10, worldSize: 4, seed: 11 }, 5);
    const counts = countOccurrences(shards, 10);
    expect(counts.filter((c) => c === 1)).toHaveLength(8);
    expect(counts.filter((c) => c === 2)).toHaveLength(2);
    expect(counts[shards[0]![0]!]).toBe(2);
    expect(counts[shards[1]![0]!]).toBe(2);
  });

  it('repeats the whole order when the dataset is smaller than the world', () => {
    // n = 3, world 8: every rank gets 1 index, position p holds order[p mod 3], so each index appears 3, 3, 2 times.
    const shards = shardsOf({ datasetSize: 3, worldSize: 8, seed: 1 });
    expect(countOccurrences(shards, 3).sort()).toEqual([2, 3, 3]);
    for (let rank = 3; rank < 8; rank++) expect(shards[rank]).toEqual(shards[rank % 3]);
  });

  it('with dropLast keeps totalSize distinct indices and no duplicates', () => {
    const shards = shardsOf({ datasetSize: 10, worldSize: 4, seed: 11, dropLast: true });
    const counts = countOccurrences(shards, 10);
    expect(shards.every((s) => s.length === 2)).toBe(true);
    expect(counts.filter((c) => c === 1)).toHaveLength(8);
    expect(counts.filter((c) => c > 1)).toHaveLength(0);
  });

  it('is deterministic across instances, depends on seed + epoch as torch does, and changes with the epoch', () => {
    const first = shardsOf({ datasetSize: 50, worldSize: 2, seed: 7 }, 1);
    expect(shardsOf({ datasetSize: 50, worldSize: 2, seed: 7 }, 1)).toEqual(first);
    // torch seeds its generator with seed + epoch, so (7, 1) and (8, 0) are the same order.
    expect(shardsOf({ datasetSize: 50, worldSize: 2, seed: 8 }, 0)).toEqual(first);
    expect(shardsOf({ datasetSize: 50, worldSize: 2, seed: 7 }, 2)).not.toEqual(first);
  });

  it('the shuffled order is not the identity', () => {
    const sampler = new DistributedSampler({ datasetSize: 100, worldSize: 1, rank: 0 });
    expect(Array.from(sampler.indices())).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('batches and mid-epoch resume', () => {
  const options = { datasetSize: 23, worldSize: 2, rank: 1, seed: 4 };

  it('splits the epoch into batches of batchSize with a short last batch, or drops it', () => {
    // numSamples = ceil(23 / 2) = 12: batches of 5 are 5, 5, 2; with dropLastBatch 5, 5.
    const sampler = new DistributedSampler(options);
    const all = Array.from(sampler.indices());
    const batches = Array.from(sampler.batches(5), (b) => Array.from(b));
    expect(batches.map((b) => b.length)).toEqual([5, 5, 2]);
    expect(batches.flat()).toEqual(all);
    expect(sampler.numBatches(5)).toBe(3);
    expect(sampler.state()).toEqual({ epoch: 0, offset: 12 });

    sampler.setEpoch(0);
    expect(Array.from(sampler.batches(5, { dropLastBatch: true })).map((b) => b.length)).toEqual([5, 5]);
    expect(sampler.numBatches(5, { dropLastBatch: true })).toBe(2);
  });

  it('resumes exactly after the last consumed batch from state()', () => {
    const reference = new DistributedSampler(options);
    reference.setEpoch(3);
    const expected = Array.from(reference.batches(4), (b) => Array.from(b));

    const interrupted = new DistributedSampler(options);
    interrupted.setEpoch(3);
    const iterator = interrupted.batches(4);
    const before = [Array.from(iterator.next().value!), Array.from(iterator.next().value!)];
    const saved = interrupted.state();
    expect(saved).toEqual({ epoch: 3, offset: 8 });

    const resumed = new DistributedSampler(options);
    resumed.loadState(saved);
    const after = Array.from(resumed.batches(4), (b) => Array.from(b));
    expect([...before, ...after]).toEqual(expected);
  });

  it('setEpoch rewinds the offset to 0', () => {
    const sampler = new DistributedSampler(options);
    sampler.batches(4).next();
    expect(sampler.offset).toBe(4);
    sampler.setEpoch(1);
    expect(sampler.state()).toEqual({ epoch: 1, offset: 0 });
  });

  it('rejects a state offset beyond the epoch and a bad batch size', () => {
    const sampler = new DistributedSampler(options);
    expect(() => sampler.loadState({ epoch: 0, offset: 13 })).toThrow(/offset must be an integer in \[0, 12\]/);
    expect(() => sampler.loadState({ epoch: -1, offset: 0 })).toThrow(/--epoch/);
    expect(() => sampler.batches(0)).toThrow(/--batch-size/);
  });
});

describe('DistributedSampler option validation', () => {
  const valid = { datasetSize: 10, worldSize: 2, rank: 0 };
  it.each([
    [{ ...valid, worldSize: 0 }, '--world-size'],
    [{ ...valid, worldSize: 2.5 }, '--world-size'],
    [{ ...valid, rank: 2 }, '--rank'],
    [{ ...valid, rank: -1 }, '--rank'],
    [{ ...valid, seed: -1 }, '--seed'],
    [{ ...valid, datasetSize: 0 }, '--dataset-size'],
  ])('%o is rejected naming %s', (options, subject) => {
    let caught: unknown;
    try {
      new DistributedSampler(options);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as InvalidArgumentError).context.subject).toBe(subject);
    expect((caught as InvalidArgumentError).message).toContain(subject);
  });

  it('says which ranks a world size allows', () => {
    expect(() => new DistributedSampler({ ...valid, rank: 5 })).toThrow('--rank must be an integer in [0, 1] (world size 2), got 5');
  });
});

describe('re-sharding the rest of an epoch over a new world (elastic runs)', () => {
  /** The indices world `worldSize` hands out in its first `batches` batches of `batchSize`, from `start`. */
  function consume(options: Omit<DistributedSamplerOptions, 'rank'>, batchSize: number, batches: number, epoch: number): { seen: number[]; position: number } {
    const seen: number[] = [];
    let position = 0;
    for (let rank = 0; rank < options.worldSize; rank++) {
      const sampler = new DistributedSampler({ ...options, rank });
      sampler.setEpoch(epoch);
      const iterator = sampler.batches(batchSize);
      for (let b = 0; b < batches; b++) {
        const batch = iterator.next();
        if (batch.done === true) break;
        seen.push(...batch.value);
      }
      position = sampler.epochPosition;
    }
    return { seen, position };
  }

  it('a start of 0 is the plain sampler', () => {
    const options = { datasetSize: 50, worldSize: 3, seed: 4 };
    expect(shardsOf({ ...options, start: 0 }, 1)).toEqual(shardsOf(options, 1));
  });

  it('3 ranks consume 4 batches of 5, 2 ranks take the rest from position 60: every sample of the epoch exactly once', () => {
    // n = 120: the first world takes order[0, 60) (3 ranks x 4 batches x 5), the second splits order[60, 120)
    // into 2 shards of 30 with no padding, so the union is the permutation: each index counted once.
    const first = consume({ datasetSize: 120, worldSize: 3, seed: 9 }, 5, 4, 2);
    expect(first.position).toBe(60);
    const rest = shardsOf({ datasetSize: 120, worldSize: 2, seed: 9, start: first.position }, 2);
    expect(rest.map((shard) => shard.length)).toEqual([30, 30]);
    expect(countOccurrences([first.seen, ...rest], 120)).toEqual(new Array(120).fill(1));
  });

  it('three generations in one epoch (4 -> 2 -> 3 ranks) still see every sample once, padding only at the very end', () => {
    const n = 101;
    const a = consume({ datasetSize: n, worldSize: 4, seed: 1 }, 3, 2, 0); // 24 samples
    const b = consume({ datasetSize: n, worldSize: 2, seed: 1, start: a.position }, 3, 5, 0); // 30 more
    expect(b.position).toBe(54);
    const c = shardsOf({ datasetSize: n, worldSize: 3, seed: 1, start: b.position }, 0);
    // 47 left over 3 ranks: ceil(47 / 3) = 16 each, 48 in all: one index repeated from the rest's start, as torch pads.
    const counts = countOccurrences([a.seen, b.seen, ...c], n);
    expect(counts.filter((count) => count === 1)).toHaveLength(n - 1);
    expect(counts.filter((count) => count === 2)).toHaveLength(1);
  });

  it('with dropLast the rest is truncated to a multiple of the new world; a start at the end leaves nothing', () => {
    const rest = shardsOf({ datasetSize: 100, worldSize: 3, seed: 2, dropLast: true, start: 90 }, 0);
    expect(rest.map((shard) => shard.length)).toEqual([3, 3, 3]);
    expect(new DistributedSampler({ datasetSize: 100, worldSize: 2, rank: 1, start: 100 }).numSamples).toBe(0);
  });

  it('refuses a start outside [0, datasetSize]', () => {
    expect(() => new DistributedSampler({ datasetSize: 10, worldSize: 2, rank: 0, start: 11 })).toThrow(/sampler start must be an integer in \[0, 10\]/);
  });
});
