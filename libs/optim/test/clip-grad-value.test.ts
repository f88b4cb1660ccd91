import { describe, expect, it } from 'vitest';
import { clipGradValue } from '../src/index.js';
import { loadFixture } from './golden.js';

interface ClipFixture {
  value: { name: string; clipValue: number; grads: number[]; clipped: number[] }[];
}

const fixture = loadFixture<ClipFixture>('clip.json');

describe('clipGradValue', () => {
  it.each(fixture.value)('matches torch clip_grad_value_ exactly: $name', ({ clipValue, grads, clipped }) => {
    // Clamping does no arithmetic, so the result is bit-identical.
    const g = Float32Array.from(grads);
    clipGradValue(g, clipValue);
    expect(g).toEqual(Float32Array.from(clipped));
  });

  it('clamps to the float32 bound and keeps NaN', () => {
    const g = new Float32Array([0.3, -0.3, 0.05, Number.NaN, Number.NEGATIVE_INFINITY]);
    clipGradValue(g, 0.1);
    expect(g).toEqual(new Float32Array([0.1, -0.1, 0.05, Number.NaN, -0.1]));
  });

  it('rejects a bound that is not positive', () => {
    expect(() => clipGradValue(new Float32Array(1), -1)).toThrow('--clip-norm must be a finite number > 0, got -1');
  });
});
