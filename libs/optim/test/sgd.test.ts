import { InvalidArgumentError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { SGD, type SgdOptions } from '../src/index.js';
import { expectClose, loadFixture, OPTIMIZER_TOLERANCE, type OptimizerFixture } from './golden.js';
import { PLACES } from './vector-places.js';

const fixture = loadFixture<OptimizerFixture<SgdOptions>>('sgd.json');

describe('SGD', () => {
  describe.each(fixture.cases)('matches torch.optim.SGD: $name', ({ options, params: trajectory, state }) => {
    // Vectors on the JS heap take the JavaScript loop, vectors in the SIMD memory the WebAssembly kernel.
    it.each(PLACES)('after every step, with a different lr each step (vectors %s)', (_where, vector) => {
      const sgd = new SGD(fixture.params0.length, options);
      const params = vector(fixture.params0);
      trajectory.forEach((expected, k) => {
        sgd.step(params, vector(fixture.grads[k]!), fixture.lrs[k]!);
        expectClose(params, expected, OPTIMIZER_TOLERANCE, `params after step ${k + 1}`, 'vectorwise');
      });
      const slots = sgd.exportState().slots;
      expect(Object.keys(slots)).toEqual(Object.keys(state));
      for (const [name, expected] of Object.entries(state)) expectClose(slots[name]!, expected, OPTIMIZER_TOLERANCE, name, 'vectorwise');
    });
  });

  it('starts the momentum buffer at the gradient itself, not at (1-dampening)·g', () => {
    // p0 = 1, g = 0.5 twice, lr 0.1, μ 0.9, τ 0.5:
    //   step 1: b = g = 0.5                         p = 1 - 0.1·0.5 = 0.95
    //   step 2: b = 0.9·0.5 + (1-0.5)·0.5 = 0.7     p = 0.95 - 0.1·0.7 = 0.88
    // (a buffer started at (1-τ)·g = 0.25 would give 0.975, then 0.9275)
    const sgd = new SGD(1, { momentum: 0.9, dampening: 0.5 });
    const p = new Float32Array([1]);
    sgd.step(p, new Float32Array([0.5]), 0.1);
    expect(p[0]).toBeCloseTo(0.95, 6);
    sgd.step(p, new Float32Array([0.5]), 0.1);
    expect(p[0]).toBeCloseTo(0.88, 6);
  });

  it('leaves the gradient untouched', () => {
    const sgd = new SGD(2, { momentum: 0.9, weightDecay: 0.1, nesterov: true });
    const grads = new Float32Array([0.25, -2]);
    sgd.step(new Float32Array([1, 2]), grads, 0.1);
    expect(grads).toEqual(new Float32Array([0.25, -2]));
  });

  it.each([
    [{ nesterov: true }, '--nesterov requires --momentum > 0 and dampening 0'],
    [{ nesterov: true, momentum: 0.9, dampening: 0.1 }, '--nesterov requires --momentum > 0 and dampening 0'],
    [{ momentum: -0.1 }, '--momentum must be a finite number >= 0, got -0.1'],
    [{ weightDecay: -1 }, '--weight-decay must be a finite number >= 0, got -1'],
    [{ dampening: 1.5 }, 'dampening must be in [0, 1], got 1.5'],
  ] as [SgdOptions, string][])('rejects %o like torch does', (options, message) => {
    expect(() => new SGD(3, options)).toThrow(InvalidArgumentError);
    expect(() => new SGD(3, options)).toThrow(message);
  });

  it('rejects a negative lr and vectors of the wrong length', () => {
    const sgd = new SGD(3);
    expect(() => sgd.step(new Float32Array(3), new Float32Array(3), -0.1)).toThrow('--lr must be a finite number >= 0, got -0.1');
    expect(() => sgd.step(new Float32Array(3), new Float32Array(2), 0.1)).toThrow('grads has 2 elements, expected 3');
    expect(() => sgd.step(new Float32Array(4), new Float32Array(3), 0.1)).toThrow('params has 4 elements, expected 3');
  });
});
