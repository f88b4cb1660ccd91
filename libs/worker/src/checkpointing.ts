// Between a Replica plus its training position and a checkpoint file's contents. Rank 0 writes (every rank holds
// the same state) and rank 0 alone reads on --resume: the broadcast that follows gives the state to everyone, so
// on a multi-node run only the first node needs the file.

import { CheckpointError } from '@ringtrain/common';
import { optionName, toConfigFile, TRAIN_OPTIONS, type RunConfig } from '@ringtrain/config';
import type { Checkpoint } from './checkpoint/checkpoint.js';
import type { Replica } from './replica.js';
import type { TrainingPosition } from './state-broadcast.js';

export function checkpointOf(replica: Replica, position: TrainingPosition, config: RunConfig, worldSize: number): Checkpoint {
  const optimizer = replica.optimizer.exportState();
  return {
    step: position.step,
    epoch: position.epoch,
    samplerOffset: position.consumed,
    worldSize,
    batchSize: config.batchSize,
    seed: config.seed,
    config: toConfigFile(config),
    optimizer: { name: optimizer.optimizer, step: optimizer.step, slots: optimizer.slots },
    params: replica.params,
    modelState: replica.state,
    paramHash: replica.hash(),
    createdAt: new Date().toISOString(),
  };
}

/**
 * Options that decide which samples a step sees and what the state means: a resume that changed one would
 * silently skip or repeat samples, or load slots into another optimizer. (Epochs, LR schedule, clipping and the
 * like may change: they act from the resumed step on.)
 */
const MUST_MATCH = ['model', 'dataset', 'seed', 'shuffle', 'drop-last', 'batch-size', 'accum-steps', 'optimizer'] as const;

/**
 * The run options (not the MUST_MATCH ones) this run has other values of than the checkpoint's run had, as
 * `--lr 0.001 (the checkpoint's run: 0.1)`: they are allowed, and act from the resumed step on, but a resume meant to
 * continue exactly (a changed default, a forgotten flag) should say so.
 */
export function changedRunOptions(checkpointConfig: Checkpoint['config'], config: RunConfig): string[] {
  const ours = toConfigFile(config);
  return TRAIN_OPTIONS.filter((spec) => spec.scope === 'run')
    .map((spec) => optionName(spec))
    .filter((key) => !(MUST_MATCH as readonly string[]).includes(key) && checkpointConfig[key] !== ours[key])
    .map((key) => `--${key} ${String(ours[key] ?? '(unset)')} (the checkpoint's run: ${String(checkpointConfig[key] ?? '(unset)')})`);
}

/**
 * Loads `checkpoint` into `replica` and returns where training continues. The data options (MUST_MATCH) must be
 * the checkpoint's; anything else is refused with the values to fix. The world size may differ: the position
 * counts the samples of the epoch all ranks consumed together, and the rest of the epoch is split over the new
 * world (as after a reform).
 */
export function restoreCheckpoint(replica: Replica, checkpoint: Checkpoint, file: string, run: { config: RunConfig }): TrainingPosition {
  const refuse = (what: string) => new CheckpointError(`${file} was written by a run with ${what}. Resume with the same values.`, { subject: file });
  const ours = toConfigFile(run.config);
  const differing = MUST_MATCH.filter((key) => checkpoint.config[key] !== ours[key]);
  if (differing.length > 0) {
    throw refuse(differing.map((key) => `--${key} ${String(checkpoint.config[key])} (this run: ${String(ours[key])})`).join(', '));
  }
  if (checkpoint.params.length !== replica.params.length || checkpoint.modelState.length !== replica.state.length) {
    throw new CheckpointError(
      `${file} holds ${checkpoint.params.length} parameters and ${checkpoint.modelState.length} state values; the model has ${replica.params.length} and ${replica.state.length} (another --model or --dataset?)`,
      { subject: file },
    );
  }
  try {
    replica.optimizer.importState({ optimizer: checkpoint.optimizer.name, step: checkpoint.optimizer.step, slots: checkpoint.optimizer.slots });
  } catch (err) {
    throw new CheckpointError(`${file}: ${(err as Error).message}`, { subject: file }, { cause: err });
  }
  replica.params.set(checkpoint.params);
  replica.state.set(checkpoint.modelState);
  replica.pushToModel();
  return { step: checkpoint.step, epoch: checkpoint.epoch, consumed: checkpoint.samplerOffset };
}
