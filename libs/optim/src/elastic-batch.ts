// What an elastic run does to the global batch when the world changes size (a worker died, one joined). The
// global batch is batchSize × accumSteps × worldSize; the per-worker batch stays (it is what fits in memory).
//
// - If planned accumSteps × plannedWorld divides by the new world, accumulation absorbs the change exactly:
//   accumSteps' = accumSteps × plannedWorld / world, and the global batch, the LR and the step count per epoch
//   stay what they were planned to be (3 workers × accumulation 2 -> 2 workers × accumulation 3).
// - Otherwise the global batch changes to batchSize × accumSteps × world and the LR follows it by the linear
//   scaling rule (Goyal et al. 2017): lr' = lr × world / plannedWorld (3 workers × 1 -> 2 workers × 1: lr × 2/3).
//
// Always relative to the planned world, never to the previous generation, so factors do not compound over reforms.

import { checkPositiveInteger } from './validate.js';

export interface WorldAdaptation {
  /** Micro-batches per optimizer step in the new world. */
  readonly accumSteps: number;
  /** Factor on the scheduled LR: 1 when accumulation kept the global batch, world / plannedWorld when not. */
  readonly lrFactor: number;
  /** Samples per optimizer step in the new world, for one per-worker batch of `batchSize`. */
  readonly globalBatchSize: number;
}

export function adaptToWorld(batchSize: number, accumSteps: number, plannedWorld: number, world: number): WorldAdaptation {
  checkPositiveInteger(batchSize, '--batch-size');
  checkPositiveInteger(accumSteps, '--accum-steps');
  checkPositiveInteger(plannedWorld, 'planned world size');
  checkPositiveInteger(world, 'world size');
  const windows = accumSteps * plannedWorld;
  if (windows % world === 0) return { accumSteps: windows / world, lrFactor: 1, globalBatchSize: batchSize * windows };
  return { accumSteps, lrFactor: world / plannedWorld, globalBatchSize: batchSize * accumSteps * world };
}
