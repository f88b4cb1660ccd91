// Evaluations of the test split. Every rank sends the same result (it is combined from all-reduced sums),
// so the first one of an evaluation is recorded and its copies from the other ranks (same result) are dropped.

import type { EvaluationMessage } from '@ringtrain/protocol';
import type { CoordinatorState, Transition } from './state.js';

/**
 * An evaluation message from a member. After a reform an epoch's end can be evaluated again (the steps after the
 * last commit are redone, on a re-sharded rest of the epoch): the newer result replaces the older one in the
 * summary, and counts once.
 */
export function onEvaluation(state: CoordinatorState, message: EvaluationMessage): Transition {
  const { result } = message;
  const latest = state.progress.latestEvaluation;
  const copy = latest !== null && result.epoch === latest.epoch && result.step === latest.step && result.testLoss === latest.testLoss && result.testAccuracy === latest.testAccuracy;
  if (latest !== null && (result.epoch < latest.epoch || copy)) return { state, commands: [] };
  const evaluations = state.progress.evaluations + (latest !== null && result.epoch === latest.epoch ? 0 : 1);
  return {
    state: { ...state, progress: { ...state.progress, latestEvaluation: result, evaluations } },
    commands: [
      { type: 'metrics', record: { step: result.step, epoch: result.epoch, test_loss: result.testLoss, test_accuracy: result.testAccuracy } },
    ],
  };
}
