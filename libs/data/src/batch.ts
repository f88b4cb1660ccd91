import type { DatasetSplit } from './dataset.js';
import { gatherRows, type RowArray } from './gather.js';
import { requireInteger } from './options.js';

/** One gathered batch. Its arrays are views of the gatherer's buffers, overwritten by the next gather. */
export interface Batch {
  /** Samples in this batch (at most the gatherer's capacity). */
  readonly size: number;
  /** size * sampleSize values (NHWC for images). */
  readonly inputs: Float32Array;
  /** size * targetSize values, of the split's label type. */
  readonly labels: Int32Array | Float32Array;
  /** size * 4 box values, when the split has boxes. */
  readonly boxes?: Float32Array;
}

function emptyLike<T extends RowArray>(array: T, length: number): T {
  return (array instanceof Int32Array ? new Int32Array(length) : new Float32Array(length)) as T;
}

/**
 * Gathers the samples a sampler picked into buffers allocated once for `capacity` samples, so a training
 * step allocates nothing per sample (only the three small views of the returned Batch).
 */
export class BatchGatherer {
  readonly capacity: number;
  private readonly split: DatasetSplit;
  private readonly inputRow: number;
  private readonly labelRow: number;
  private readonly inputs: Float32Array;
  private readonly labels: Int32Array | Float32Array;
  private readonly boxes: Float32Array | undefined;

  /** `capacity`: the largest batch gather() will take (the per-worker `--batch-size`). */
  constructor(split: DatasetSplit, capacity: number) {
    this.capacity = requireInteger(capacity, '--batch-size', 1);
    this.split = split;
    this.inputRow = split.inputs.length / split.size;
    this.labelRow = split.labels.length / split.size;
    this.inputs = new Float32Array(capacity * this.inputRow);
    this.labels = emptyLike(split.labels, capacity * this.labelRow);
    this.boxes = split.boxes === undefined ? undefined : new Float32Array(capacity * 4);
  }

  /** Copies the samples `indices` (e.g. one batch of DistributedSampler.batches()) into the buffers. */
  gather(indices: ArrayLike<number>): Batch {
    const size = requireInteger(indices.length, 'batch length', 0, this.capacity, ' (the gatherer capacity)');
    gatherRows(this.split.inputs, this.inputRow, indices, this.inputs);
    gatherRows(this.split.labels, this.labelRow, indices, this.labels);
    const batch = {
      size,
      inputs: this.inputs.subarray(0, size * this.inputRow),
      labels: this.labels.subarray(0, size * this.labelRow),
    };
    if (this.boxes === undefined || this.split.boxes === undefined) return batch;
    gatherRows(this.split.boxes, 4, indices, this.boxes);
    return { ...batch, boxes: this.boxes.subarray(0, size * 4) };
  }
}
