// The epoch-end evaluation. Each rank evaluates a disjoint slice of the test split (samples r, r+W, r+2W, ...:
// every sample exactly once, no padding, unlike the training sampler) and the sums are all-reduced, so the
// result is exactly the loss and accuracy over the whole test split, not an average of per-rank averages.

import { allReduce } from '@ringtrain/collective';
import { BatchGatherer, type Dataset } from '@ringtrain/data';
import { evaluate } from '@ringtrain/models';
import type { Transport } from '@ringtrain/transport';
import type * as tf from '@tensorflow/tfjs';
import { EVALUATION_BUCKET } from './message-tags.js';
import { batchTensors } from './batch-tensors.js';
import { yieldToEventLoop } from './event-loop.js';

/** Samples per evaluation forward pass: large enough to amortise per-op overhead, small enough for memory. */
const EVAL_BATCH = 500;

export interface EvaluationResult {
  /** Σ loss / Σ count over the test split. */
  testLoss: number;
  /** Σ correct / Σ count (0 for regression). */
  testAccuracy: number;
  /** Test samples evaluated over all ranks: the test split's size. */
  count: number;
}

/** Evaluates this rank's slice and combines the sums across ranks; every rank returns the same result. */
export async function evaluateTestSplit(
  t: Transport,
  model: tf.LayersModel,
  dataset: Dataset,
  opts: { step: number; timeoutMs: number; signal?: AbortSignal },
): Promise<EvaluationResult> {
  const mine: number[] = [];
  for (let i = t.rank; i < dataset.numTest; i += t.worldSize) mine.push(i);
  const gatherer = new BatchGatherer(dataset.test, EVAL_BATCH);
  // float32 sums: exact for counts below 2^24 samples; the loss sum is rounded once per rank, far below what a log shows.
  const sums = new Float32Array(3);
  for (let start = 0; start < mine.length; start += EVAL_BATCH) {
    await yieldToEventLoop();
    const batch = gatherer.gather(mine.slice(start, start + EVAL_BATCH));
    const { xs, ys, dispose } = batchTensors(dataset, batch);
    try {
      const s = evaluate(model, xs, ys);
      sums[0] = sums[0]! + s.lossSum;
      sums[1] = sums[1]! + s.correct;
      sums[2] = sums[2]! + s.count;
    } finally {
      dispose();
    }
  }
  await allReduce(t, sums, { op: 'sum', tag: { step: opts.step, bucket: EVALUATION_BUCKET }, timeoutMs: opts.timeoutMs, signal: opts.signal });
  const [lossSum, correct, count] = sums as unknown as [number, number, number];
  return { testLoss: count > 0 ? lossSum / count : 0, testAccuracy: count > 0 ? correct / count : 0, count };
}
