import { describe, expect, it } from 'vitest';
import { linearScaledLr } from '../src/index.js';

describe('linearScaledLr', () => {
  it('multiplies the LR by globalBatch / baseBatch (Goyal et al.: 0.1 per 256 images)', () => {
    // 8 workers × batch 32 × 4 accumulation steps = 1024 = 4 × 256  ->  0.4
    expect(linearScaledLr(0.1, 8 * 32 * 4, 256)).toBeCloseTo(0.4, 15);
    expect(linearScaledLr(0.1, 128, 256)).toBeCloseTo(0.05, 15);
  });

  it('rejects non-positive batch sizes and a negative LR', () => {
    expect(() => linearScaledLr(0.1, 0, 256)).toThrow('global batch size must be a positive integer, got 0');
    expect(() => linearScaledLr(0.1, 256, 1.5)).toThrow('base batch size must be a positive integer, got 1.5');
    expect(() => linearScaledLr(-0.1, 256, 256)).toThrow('--lr must be a finite number >= 0, got -0.1');
  });
});
