// Export/import is what checkpoints and the coordinator's rollback rely on: a run resumed from an exported state
// must continue exactly as if it had not stopped.

import { InvalidArgumentError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { AdamW, SGD, type AdamWOptions, type Optimizer, type SgdOptions } from '../src/index.js';
import { loadFixture, type OptimizerFixture } from './golden.js';

const sgdFixture = loadFixture<OptimizerFixture<SgdOptions>>('sgd.json');
const adamwFixture = loadFixture<OptimizerFixture<AdamWOptions>>('adamw.json');

function run(optimizer: Optimizer, params: Float32Array, fixture: OptimizerFixture<unknown>, from: number, to: number): void {
  for (let k = from; k < to; k++) optimizer.step(params, Float32Array.from(fixture.grads[k]!), fixture.lrs[k]!);
}

const resumable: [string, OptimizerFixture<unknown>, () => Optimizer][] = [
  ['SGD with momentum', sgdFixture, () => new SGD(10, { momentum: 0.9, dampening: 0.1, weightDecay: 0.01 })],
  ['SGD without momentum', sgdFixture, () => new SGD(10, { weightDecay: 0.05 })],
  ['AdamW', adamwFixture, () => new AdamW(10)],
  ['AdamW with amsgrad', adamwFixture, () => new AdamW(10, { amsgrad: true })],
];

describe('optimizer state export/import', () => {
  it.each(resumable)('%s: resuming after 3 steps is bit-identical to an uninterrupted run', (_name, fixture, make) => {
    const steps = fixture.grads.length;
    const straight = make();
    const expected = Float32Array.from(fixture.params0);
    run(straight, expected, fixture, 0, steps);

    const first = make();
    const params = Float32Array.from(fixture.params0);
    run(first, params, fixture, 0, 3);
    const saved = first.exportState();
    run(first, params.slice(), fixture, 3, steps); // later steps must not leak into the exported copy
    const resumed = make();
    resumed.importState(saved);
    expect(resumed.stepCount).toBe(3);
    run(resumed, params, fixture, 3, steps);
    expect(params).toEqual(expected);
    expect(resumed.exportState()).toEqual(straight.exportState());
  });

  it('names the slots as torch does, and SGD has no momentum buffer before its first step', () => {
    const sgd = new SGD(4, { momentum: 0.9 });
    expect(sgd.exportState()).toEqual({ optimizer: 'sgd', step: 0, slots: {} });
    sgd.step(new Float32Array(4), new Float32Array([1, 2, 3, 4]), 0.1);
    expect(sgd.exportState()).toEqual({ optimizer: 'sgd', step: 1, slots: { momentum_buffer: new Float32Array([1, 2, 3, 4]) } });
    expect(Object.keys(new AdamW(4, { amsgrad: true }).exportState().slots)).toEqual(['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
  });

  const adamwState = () => new AdamW(4).exportState();
  it.each([
    ['another optimizer', () => new SGD(4).exportState(), 'written by sgd, cannot load into adamw'],
    ['a slot of the wrong length', () => ({ ...adamwState(), slots: { ...adamwState().slots, exp_avg: new Float32Array(3) } }),
      'slot exp_avg has 3 elements, the model has 4 parameters'],
    ['a missing slot', () => ({ ...adamwState(), slots: { exp_avg: new Float32Array(4) } }), 'missing slot exp_avg_sq'],
    ['an amsgrad state into plain AdamW', () => new AdamW(4, { amsgrad: true }).exportState(), 'unexpected slot max_exp_avg_sq'],
    ['a slot that is not a Float32Array', () => ({ ...adamwState(), slots: { ...adamwState().slots, exp_avg: [0, 0, 0, 0] as unknown as Float32Array } }),
      'slot exp_avg must be a Float32Array'],
    ['a negative step', () => ({ ...adamwState(), step: -1 }), 'step must be a non-negative integer, got -1'],
  ])('rejects %s with a clear error', (_name, makeState, message) => {
    const adamw = new AdamW(4);
    expect(() => adamw.importState(makeState())).toThrow(InvalidArgumentError);
    expect(() => adamw.importState(makeState())).toThrow(message);
  });

  it('rejects an SGD state without the momentum buffer its step count requires', () => {
    const sgd = new SGD(4, { momentum: 0.9 });
    expect(() => sgd.importState({ optimizer: 'sgd', step: 5, slots: {} })).toThrow('missing slot momentum_buffer at step 5');
    expect(() => new SGD(4).importState({ optimizer: 'sgd', step: 5, slots: { momentum_buffer: new Float32Array(4) } })).toThrow(
      'unexpected slot momentum_buffer',
    );
  });
});
