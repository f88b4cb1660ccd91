// What every optimizer of this lib looks like to the training loop, and the state it exports for checkpoints
// and for the in-memory commit the coordinator rolls back to.

import { InvalidArgumentError } from '@ringtrain/common';

export type OptimizerName = 'sgd' | 'adamw';

/**
 * A snapshot of an optimizer: its per-parameter slot vectors under PyTorch's state names (`momentum_buffer`,
 * `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`), each as long as the flat parameter vector, and the number of
 * steps taken. Plain data: a checkpoint writer can serialize it field by field.
 */
export interface OptimizerState {
  optimizer: OptimizerName;
  /** Optimizer steps taken so far (torch's `state['step']`; SGD counts them too). */
  step: number;
  slots: Record<string, Float32Array>;
}

/** An optimizer over one flat parameter vector and its flat gradient, both in the model's fixed order. */
export interface Optimizer {
  readonly name: OptimizerName;
  /** Length of the flat parameter vector. */
  readonly size: number;
  /** Steps taken so far. */
  readonly stepCount: number;
  /** Updates `params` in place from `grads` (left unchanged) with learning rate `lr`, the schedule's value for this step. */
  step(params: Float32Array, grads: Float32Array, lr: number): void;
  /** A deep copy of the state: later steps do not change it. */
  exportState(): OptimizerState;
  /** Replaces the state with a copy of `state`, after checking it fits this optimizer (name, slot names, lengths). */
  importState(state: OptimizerState): void;
}

function invalid(detail: string): never {
  throw new InvalidArgumentError(`optimizer state: ${detail}`, { subject: 'optimizer state' });
}

/**
 * Throws unless `state` is a state of optimizer `name` with exactly the slots `slotNames`, each a Float32Array of
 * `size` elements. A checkpoint from another model or another optimizer configuration fails here, with a message
 * naming what differs, instead of training on garbage.
 */
export function checkOptimizerState(state: OptimizerState, name: OptimizerName, slotNames: readonly string[], size: number): void {
  if (state.optimizer !== name) invalid(`written by ${String(state.optimizer)}, cannot load into ${name}`);
  if (!Number.isInteger(state.step) || state.step < 0) invalid(`step must be a non-negative integer, got ${String(state.step)}`);
  const present = Object.keys(state.slots);
  const unexpected = present.filter((key) => !slotNames.includes(key));
  if (unexpected.length > 0) invalid(`unexpected slot ${unexpected.join(', ')} (expected: ${slotNames.join(', ') || 'none'})`);
  for (const key of slotNames) {
    const slot = state.slots[key];
    if (slot === undefined) invalid(`missing slot ${key} at step ${state.step}`);
    if (!(slot instanceof Float32Array)) invalid(`slot ${key} must be a Float32Array`);
    if (slot.length !== size) {
      invalid(`slot ${key} has ${slot.length} elements, the model has ${size} parameters (checkpoint of another model?)`);
    }
  }
}
