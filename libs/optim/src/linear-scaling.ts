// The linear scaling rule (Goyal et al. 2017): when the global batch grows k-fold, multiply the LR by k. Usually
// paired with linearWarmup, since the scaled LR is too large for the first steps of training.

import { checkNonNegative, checkPositiveInteger } from './validate.js';

/**
 * lr · globalBatch / baseBatch. `lr` is the LR tuned for `baseBatch` samples per optimizer step; `globalBatch` is
 * this run's samples per optimizer step (per-worker batch × accumSteps × world size).
 */
export function linearScaledLr(lr: number, globalBatch: number, baseBatch: number): number {
  checkNonNegative(lr, '--lr');
  checkPositiveInteger(globalBatch, 'global batch size');
  checkPositiveInteger(baseBatch, 'base batch size');
  return (lr * globalBatch) / baseBatch;
}
