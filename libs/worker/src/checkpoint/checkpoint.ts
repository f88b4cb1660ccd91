// What a checkpoint holds: everything `--resume` needs to continue a run exactly where it stopped (DESIGN.md,
// "Faults, elasticity, checkpoints"). Plain data, so the file format can write it field by field.

import type { OptimizerName } from '@ringtrain/optim';

/** The optimizer part of a checkpoint: which optimizer, how many steps it took, and its per-parameter slots. */
export interface CheckpointOptimizerState {
  name: OptimizerName;
  /** Steps the optimizer has taken (torch's `state['step']`). */
  step: number;
  /**
   * Slot vectors under PyTorch's state names (`momentum_buffer`, `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`), each
   * as long as `params`. SGD without momentum has none.
   */
  slots: Record<string, Float32Array>;
}

export interface Checkpoint {
  /** Global optimizer steps done: the learning-rate schedule resumes at this step. */
  step: number;
  /** The DistributedSampler epoch being consumed. */
  epoch: number;
  /**
   * Samples of `epoch`'s order all ranks consumed together (DistributedSampler.epochPosition): independent of the
   * world size, so a run with another world size resumes by splitting the rest of the epoch over its ranks.
   */
  samplerOffset: number;
  /** World size of the ring generation that wrote the checkpoint (for people reading it; a resume may use another). */
  worldSize: number;
  /** Per-worker micro-batch size of the run that wrote the checkpoint. */
  batchSize: number;
  /** The run's seed (sampler shuffling, initial weights). A non-negative integer. */
  seed: number;
  /** The run config, a JSON object with the config file's keys. Must survive JSON.stringify unchanged. */
  config: Record<string, unknown>;
  optimizer: CheckpointOptimizerState;
  /** The flat trainable parameter vector, in the model's fixed order. */
  params: Float32Array;
  /** Flat non-trainable state (batch-norm moving mean and variance, ...); empty when the model has none. */
  modelState: Float32Array;
  /** Hash of `params` as the writer computed it. Informational: the file's own integrity check is its checksum. */
  paramHash: string;
  /** When the checkpoint was made, as `Date.prototype.toISOString()` prints it (UTC, milliseconds). */
  createdAt: string;
}
