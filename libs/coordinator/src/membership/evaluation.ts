// Evaluations of the test split. Every rank sends the same result (it is combined from all-reduced sums),
// so the first one of an evaluation is recorded and its copies from the other ranks (same step) are dropped.

import type { EvaluationMessage } from '@ringtrain/protocol';
import type { CoordinatorState, Transition } from './state.js';

/** An evaluation message from a member. */
export function onEvaluation(state: CoordinatorState, message: EvaluationMessage): Transition {
  const { result } = message;
  const latest = state.progress.latestEvaluation;
  if (latest !== null && result.step <= latest.step) return { state, commands: [] };
  return {
    state: { ...state, progress: { ...state.progress, latestEvaluation: result, evaluations: state.progress.evaluations + 1 } },
    commands: [
      { type: 'metrics', record: { step: result.step, epoch: result.epoch, test_loss: result.testLoss, test_accuracy: result.testAccuracy } },
    ],
  };
}
