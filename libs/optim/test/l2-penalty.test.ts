import { InvalidArgumentError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { addL2Penalty, SGD, type SgdOptions } from '../src/index.js';
import { expectClose, loadFixture, OPTIMIZER_TOLERANCE, type OptimizerFixture } from './golden.js';

const fixture = loadFixture<OptimizerFixture<SgdOptions>>('sgd.json');

describe('addL2Penalty', () => {
  it('adds l2·p, the gradient of l2/2·||p||²', () => {
    // p = [2, -4, 0], g = [1, 1, 1], l2 = 0.25  ->  g + 0.25·p = [1.5, 0, 1]
    const grads = new Float32Array([1, 1, 1]);
    addL2Penalty(grads, new Float32Array([2, -4, 0]), 0.25);
    expect(grads).toEqual(new Float32Array([1.5, 0, 1]));
  });

  it.each(fixture.cases.filter((c) => (c.options.weightDecay ?? 0) > 0))(
    'before SGD without decay reproduces torch SGD with weight_decay: $name',
    ({ options, params: trajectory }) => {
      const { weightDecay = 0, ...rest } = options;
      const viaPenalty = new SGD(fixture.params0.length, rest);
      const viaDecay = new SGD(fixture.params0.length, options);
      const p1 = Float32Array.from(fixture.params0);
      const p2 = Float32Array.from(fixture.params0);
      trajectory.forEach((expected, k) => {
        const grads = Float32Array.from(fixture.grads[k]!);
        addL2Penalty(grads, p1, weightDecay);
        viaPenalty.step(p1, grads, fixture.lrs[k]!);
        viaDecay.step(p2, Float32Array.from(fixture.grads[k]!), fixture.lrs[k]!);
        expectClose(p1, expected, OPTIMIZER_TOLERANCE, `params after step ${k + 1}`, 'vectorwise');
        expect(p1).toEqual(p2); // both compute g + λ·p in float32 operations
      });
    },
  );

  it('rejects a negative coefficient and a params vector of another length', () => {
    expect(() => addL2Penalty(new Float32Array(2), new Float32Array(2), -1)).toThrow(InvalidArgumentError);
    expect(() => addL2Penalty(new Float32Array(2), new Float32Array(2), -1)).toThrow('--l2 must be a finite number >= 0, got -1');
    expect(() => addL2Penalty(new Float32Array(2), new Float32Array(3), 0.1)).toThrow('params has 3 elements, expected 2');
  });
});
