// torch.utils.data.DistributedSampler, index for index (torch 1.13, torch/utils/data/distributed.py), except
// for the shuffled order itself: torch draws it with torch.randperm(n, generator=g), g seeded with
// seed + epoch, and torch's generator cannot be reproduced outside torch. Here the order is
// seededPermutation(n, mixSeed(seed + epoch)) (Fisher-Yates over Mulberry32, see prng.ts): a different
// permutation, but just as deterministic and identical in every process for the same (seed, epoch), which is
// the property data parallelism needs. Everything after the permutation (padding, truncation, striding,
// numSamples, totalSize) is torch's exactly, and shuffle=false yields torch's indices exactly.

import { InvalidArgumentError } from '@ringtrain/common';
import { requireInteger } from './options.js';
import { seededPermutation } from './permutation.js';
import { mixSeed } from './prng.js';

export interface DistributedSamplerOptions {
  /** Number of samples in the dataset (torch's len(dataset)); at least 1. */
  datasetSize: number;
  /** Number of replicas sharing the dataset (torch's num_replicas, the CLI's `--world-size`); at least 1. */
  worldSize: number;
  /** This replica's rank in [0, worldSize) (the CLI's `--rank`). */
  rank: number;
  /** Shuffle every epoch with a permutation seeded by seed + epoch. Default true, as in torch. */
  shuffle?: boolean;
  /** Shuffle seed; must be the same on every rank. A non-negative integer, default 0, as in torch. */
  seed?: number;
  /**
   * true: drop the tail of the (shuffled) dataset so it divides evenly by the world size.
   * false (default, as in torch): pad by repeating indices from the start of the order.
   */
  dropLast?: boolean;
  /**
   * Position in every epoch's order where the shards begin: the samples before it were consumed by an earlier
   * ring generation of an elastic run, and the rest of the epoch is split over this world exactly as a whole epoch
   * would be (padded or truncated by dropLast). An integer in [0, datasetSize]; default 0, torch's sampler.
   */
  start?: number;
}

/** Where a rank is in its shard: enough to resume mid-epoch exactly (stored in commits and checkpoints). */
export interface SamplerState {
  /** The epoch whose order is being consumed. */
  epoch: number;
  /**
   * How many of this rank's numSamples indices of that epoch were handed out as batches. Ranks consume in
   * lockstep, so it is the same on every rank; the dataset position is offset * worldSize.
   */
  offset: number;
}

export interface BatchOptions {
  /** Skip a final batch smaller than batchSize (torch DataLoader's drop_last). Default false. */
  dropLastBatch?: boolean;
}

export class DistributedSampler {
  readonly datasetSize: number;
  readonly worldSize: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  /** Indices this rank gets per epoch (torch's num_samples, len(sampler)). */
  readonly numSamples: number;
  /** Length of the padded or truncated order before striding: numSamples * worldSize (torch's total_size). */
  readonly totalSize: number;
  /** Where in the epoch's order the shards begin (options.start). */
  readonly start: number;
  private currentEpoch = 0;
  private consumed = 0;

  constructor(options: DistributedSamplerOptions) {
    this.datasetSize = requireInteger(options.datasetSize, '--dataset-size', 1);
    this.worldSize = requireInteger(options.worldSize, '--world-size', 1);
    this.rank = requireInteger(options.rank, '--rank', 0, this.worldSize - 1, ` (world size ${this.worldSize})`);
    this.shuffle = options.shuffle ?? true;
    this.seed = requireInteger(options.seed ?? 0, '--seed', 0);
    this.dropLast = options.dropLast ?? false;
    // torch: num_samples = ceil((n - w) / w) if drop_last and n % w != 0, else ceil(n / w). For w not
    // dividing n, ceil((n - w) / w) = ceil(n / w) - 1 = floor(n / w), which is also 0 when n < w (Python's
    // ceil(-0.4) is 0); for w dividing n both branches give n / w. So: floor with drop_last, ceil without.
    this.start = requireInteger(options.start ?? 0, 'sampler start', 0, this.datasetSize, ` (dataset size ${this.datasetSize})`);
    const n = this.datasetSize - this.start;
    const w = this.worldSize;
    this.numSamples = this.dropLast ? Math.floor(n / w) : Math.ceil(n / w);
    this.totalSize = this.numSamples * w;
  }

  /** The epoch whose order indices() and batches() use. */
  get epoch(): number {
    return this.currentEpoch;
  }

  /** Indices of the current epoch already handed out by batches(). */
  get offset(): number {
    return this.consumed;
  }

  /**
   * Selects the epoch (torch's set_epoch) and rewinds to its start. Call it before each epoch: with
   * shuffle, the order depends on seed + epoch. Not while a batches() iterator is still being consumed.
   */
  setEpoch(epoch: number): void {
    this.currentEpoch = requireInteger(epoch, '--epoch', 0, Number.MAX_SAFE_INTEGER - this.seed);
    this.consumed = 0;
  }

  /**
   * This rank's numSamples indices for the current epoch, what iterating torch's sampler yields.
   *
   * torch builds the dataset order (a permutation or 0..n-1), then without drop_last appends
   * `(order * ceil(padding / n))[:padding]` (padding = totalSize - n; when padding <= n that is just
   * order[:padding]), and with drop_last keeps order[:totalSize]; then it takes [rank::worldSize].
   * Either way position p of the padded list holds order[p mod n] (p < totalSize, and totalSize <= n with
   * drop_last), so index k of this rank is order[(rank + k * worldSize) mod n]. With a start s the same
   * is done to the rest of the order, m = n - s samples: order[s + (rank + k * worldSize) mod m].
   */
  indices(): Int32Array {
    const n = this.datasetSize;
    const rest = n - this.start;
    const order = this.shuffle ? seededPermutation(n, mixSeed(this.seed + this.currentEpoch)) : undefined;
    const out = new Int32Array(this.numSamples);
    for (let k = 0; k < this.numSamples; k++) {
      const position = this.start + ((this.rank + k * this.worldSize) % rest);
      out[k] = order === undefined ? position : order[position]!;
    }
    return out;
  }

  /** How many batches of `batchSize` one epoch yields from its start. */
  numBatches(batchSize: number, options: BatchOptions = {}): number {
    requireInteger(batchSize, '--batch-size', 1);
    return options.dropLastBatch ? Math.floor(this.numSamples / batchSize) : Math.ceil(this.numSamples / batchSize);
  }

  /**
   * Iterates the rest of the current epoch in batches of `batchSize` indices, starting at `offset` (0 after
   * setEpoch, or where loadState put it). Each yielded batch advances `offset` by its length at the moment it
   * is yielded, so state() taken after a batch's training step resumes at the next batch. The yielded arrays
   * are views into one array made per call: read them, do not keep them across epochs.
   */
  batches(batchSize: number, options: BatchOptions = {}): Generator<Int32Array, void, undefined> {
    requireInteger(batchSize, '--batch-size', 1);
    return this.iterateBatches(batchSize, options.dropLastBatch ?? false);
  }

  private *iterateBatches(batchSize: number, dropLastBatch: boolean): Generator<Int32Array, void, undefined> {
    const indices = this.indices();
    while (this.consumed < this.numSamples) {
      const start = this.consumed;
      const end = Math.min(start + batchSize, this.numSamples);
      if (dropLastBatch && end - start < batchSize) return;
      this.consumed = end;
      yield indices.subarray(start, end);
    }
  }

  /**
   * Samples of the epoch's order consumed by all ranks together (ranks consume in lockstep): start + offset ×
   * worldSize, at most datasetSize (padding is not a position). A new generation's sampler starts here.
   */
  get epochPosition(): number {
    return Math.min(this.datasetSize, this.start + this.consumed * this.worldSize);
  }

  /** The position to store in a commit or checkpoint. */
  state(): SamplerState {
    return { epoch: this.currentEpoch, offset: this.consumed };
  }

  /** Resumes from a stored position: the next batches() call continues with exactly the next index. */
  loadState(state: SamplerState): void {
    const offset = state.offset;
    if (!Number.isInteger(offset) || offset < 0 || offset > this.numSamples) {
      throw new InvalidArgumentError(
        `sampler state offset must be an integer in [0, ${this.numSamples}] (this rank's samples per epoch), got ${offset}`,
        { subject: 'sampler state' },
      );
    }
    this.setEpoch(state.epoch);
    this.consumed = offset;
  }
}
