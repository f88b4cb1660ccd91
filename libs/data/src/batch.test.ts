import { describe, expect, it } from 'vitest';
import { BatchGatherer } from './batch.js';
import type { DatasetSplit } from './dataset.js';
import { DistributedSampler } from './distributed-sampler.js';

// 5 samples of 2x1x1 "images": sample i holds [10i, 10i + 1], label 100 + i, box [i, i, i + 0.5, i + 0.5].
const split: DatasetSplit = {
  size: 5,
  inputs: Float32Array.from({ length: 10 }, (_, k) => 10 * Math.floor(k / 2) + (k % 2)),
  labels: Int32Array.from({ length: 5 }, (_, i) => 100 + i),
  boxes: Float32Array.from({ length: 20 }, (_, k) => Math.floor(k / 4) + (k % 4 >= 2 ? 0.5 : 0)),
};

describe('BatchGatherer', () => {
  it('copies the chosen samples, in order, into its buffers', () => {
    const batch = new BatchGatherer(split, 4).gather([3, 0, 3]);
    expect(batch.size).toBe(3);
    expect(Array.from(batch.inputs)).toEqual([30, 31, 0, 1, 30, 31]);
    expect(batch.labels).toBeInstanceOf(Int32Array);
    expect(Array.from(batch.labels)).toEqual([103, 100, 103]);
    expect(Array.from(batch.boxes!)).toEqual([3, 3, 3.5, 3.5, 0, 0, 0.5, 0.5, 3, 3, 3.5, 3.5]);
  });

  it('reuses one buffer: a batch aliases the previous one, a short batch is a shorter view', () => {
    const gatherer = new BatchGatherer(split, 2);
    const first = gatherer.gather([1, 2]);
    const second = gatherer.gather([4]);
    expect(first.inputs.buffer).toBe(second.inputs.buffer);
    expect(Array.from(second.inputs)).toEqual([40, 41]);
    expect(Array.from(first.inputs)).toEqual([40, 41, 20, 21]);
  });

  it('gathers float regression targets and omits boxes when the split has none', () => {
    const regression: DatasetSplit = { size: 3, inputs: Float32Array.from([1, 2, 3]), labels: Float32Array.from([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]) };
    const batch = new BatchGatherer(regression, 2).gather(Int32Array.from([2, 0]));
    expect(batch.labels).toBeInstanceOf(Float32Array);
    expect(Array.from(batch.labels)).toEqual([4.5, 5.5, 0.5, 1.5]);
    expect(batch.boxes).toBeUndefined();
  });

  it('takes a sampler\'s batches directly', () => {
    const sampler = new DistributedSampler({ datasetSize: 5, worldSize: 2, rank: 1, shuffle: false });
    // Rank 1 of 2 over 5 samples without shuffle: torch pads to 6 and gives indices [1, 3, 0].
    const gatherer = new BatchGatherer(split, 2);
    const labels = Array.from(sampler.batches(2), (indices) => Array.from(gatherer.gather(indices).labels));
    expect(labels).toEqual([[101, 103], [100]]);
  });

  it('rejects a batch over capacity and an index outside the split', () => {
    const gatherer = new BatchGatherer(split, 2);
    expect(() => gatherer.gather([0, 1, 2])).toThrow('batch length must be an integer in [0, 2] (the gatherer capacity), got 3');
    expect(() => gatherer.gather([5])).toThrow('sample index 5 is not in [0, 5)');
    expect(() => new BatchGatherer(split, 0)).toThrow(/--batch-size/);
  });
});
