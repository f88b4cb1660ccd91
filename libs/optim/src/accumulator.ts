// Gradient accumulation: accumSteps micro-batches make one optimizer step, and only the last of them communicates
// (DDP's no_sync). Loss scaling is the caller's: it multiplies each micro-batch loss by lossScale = 1/accumSteps
// before computing gradients, so the sum collected here is the mean of the micro-batch gradients - the gradient of
// the mean loss over accumSteps × batch samples, what one big batch would give.

import { InvalidArgumentError } from '@ringtrain/common';
import { checkLength, checkPositiveInteger } from './validate.js';

/**
 * Sums micro-batch gradients into one flat float32 buffer, like torch adding into `.grad` across backward calls.
 *
 * Cycle: `add()` accumSteps times (the last call returns true: the window is full), then use `sum` - the caller may
 * all-reduce, clip and step on it in place - then `reset()`. `add()` on a full window throws, so a forgotten
 * reset cannot silently fold two windows into one step.
 *
 * A window cut short (the end of an epoch) holds `count` < accumSteps micro-batches, each still scaled by
 * 1/accumSteps; a caller that wants their mean multiplies by accumSteps / count.
 */
export class Accumulator {
  /** Micro-batches per optimizer step (`--accum-steps`). */
  readonly accumSteps: number;
  /** 1/accumSteps: the factor the caller applies to each micro-batch loss. */
  readonly lossScale: number;
  /** The running sum, as long as the flat gradient. */
  readonly sum: Float32Array;
  private added = 0;

  constructor(size: number, accumSteps: number) {
    checkPositiveInteger(size, 'parameter count');
    checkPositiveInteger(accumSteps, '--accum-steps');
    this.accumSteps = accumSteps;
    this.lossScale = 1 / accumSteps;
    this.sum = new Float32Array(size);
  }

  /** Micro-batches added since the last reset. */
  get count(): number {
    return this.added;
  }

  /** True once accumSteps micro-batches have been added: time to communicate and step. */
  get isFull(): boolean {
    return this.added === this.accumSteps;
  }

  /** sum += grads (already scaled by lossScale through the loss). Returns isFull. */
  add(grads: Float32Array): boolean {
    checkLength(grads, this.sum.length, 'grads');
    if (this.isFull) {
      throw new InvalidArgumentError(`the accumulation window of ${this.accumSteps} micro-batches is full: reset() after the step`, {
        subject: 'accumulator',
      });
    }
    const { sum } = this;
    for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + grads[i]!;
    this.added += 1;
    return this.isFull;
  }

  /** Zeroes the sum and starts a new window. */
  reset(): void {
    this.sum.fill(0);
    this.added = 0;
  }
}
