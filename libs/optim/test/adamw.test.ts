import { InvalidArgumentError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { AdamW, type AdamWOptions } from '../src/index.js';
import { expectClose, loadFixture, OPTIMIZER_TOLERANCE, type OptimizerFixture } from './golden.js';
import { PLACES } from './vector-places.js';

const fixture = loadFixture<OptimizerFixture<AdamWOptions>>('adamw.json');

describe('AdamW', () => {
  describe.each(fixture.cases)('matches torch.optim.AdamW: $name', ({ options, params: trajectory, state }) => {
    // Vectors on the JS heap take the JavaScript loop, vectors in the SIMD memory the WebAssembly kernel.
    it.each(PLACES)('after every step, with a different lr each step (vectors %s)', (_where, vector) => {
      const adamw = new AdamW(fixture.params0.length, options);
      const params = vector(fixture.params0);
      trajectory.forEach((expected, k) => {
        adamw.step(params, vector(fixture.grads[k]!), fixture.lrs[k]!);
        expectClose(params, expected, OPTIMIZER_TOLERANCE, `params after step ${k + 1}`, 'vectorwise');
      });
      expect(adamw.stepCount).toBe(trajectory.length);
      const slots = adamw.exportState().slots;
      expect(Object.keys(slots).sort()).toEqual(Object.keys(state).sort());
      for (const [name, expected] of Object.entries(state)) expectClose(slots[name]!, expected, OPTIMIZER_TOLERANCE, name, 'vectorwise');
    });
  });

  it('takes a first step of about lr·sign(g) after decoupled decay', () => {
    // t = 1, m0 = v0 = 0:  m = (1-β1)·g, v = (1-β2)·g², so m̂ = g and √v̂ = |g|, and
    //   p1 = p0·(1 - lr·λ) - lr · g / (|g| + ε)
    // p0 = [2, -1], g = [0.5, -4], lr 0.1, λ 0.5, ε 1e-8:
    //   p1[0] = 2·0.95 - 0.1·0.5/(0.5+1e-8)  = 1.9 - 0.1 = 1.8
    //   p1[1] = -1·0.95 + 0.1·4/(4+1e-8)     = -0.95 + 0.1 = -0.85
    const adamw = new AdamW(2, { weightDecay: 0.5 });
    const p = new Float32Array([2, -1]);
    adamw.step(p, new Float32Array([0.5, -4]), 0.1);
    expect(p[0]).toBeCloseTo(1.8, 6);
    expect(p[1]).toBeCloseTo(-0.85, 6);
  });

  it('uses weight decay 1e-2 by default, as torch', () => {
    // Zero gradient: m = v = 0, the Adam term is 0/(0 + ε) = 0, only the decay acts: p = 1 - 0.1·0.01.
    const adamw = new AdamW(1);
    const p = new Float32Array([1]);
    adamw.step(p, new Float32Array([0]), 0.1);
    expect(p[0]).toBeCloseTo(0.999, 7);
  });

  it.each([
    [{ betas: [1, 0.999] }, 'betas[0] must be in [0, 1), got 1'],
    [{ betas: [0.9, -0.1] }, 'betas[1] must be in [0, 1), got -0.1'],
    [{ eps: -1e-8 }, 'eps must be a finite number >= 0, got -1e-8'],
    [{ weightDecay: Number.NaN }, '--weight-decay must be a finite number >= 0, got NaN'],
  ] as [AdamWOptions, string][])('rejects %o', (options, message) => {
    expect(() => new AdamW(3, options)).toThrow(InvalidArgumentError);
    expect(() => new AdamW(3, options)).toThrow(message);
  });
});
