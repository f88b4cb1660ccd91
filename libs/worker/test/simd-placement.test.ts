import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '@ringtrain/data';
import { simdMemory } from '@ringtrain/simd';
import { TrainingSession } from '../src/training-session.js';
import { config, mnistSlice } from './training-fixtures.js';

// The optimizer's SIMD kernel runs only when the parameters, the all-reduced gradient and its own slots all
// live in the SIMD memory; with any of them elsewhere training still works, silently slower. So check where
// a session puts them.
describe('a training session', () => {
  let dataset: Dataset;
  beforeAll(async () => {
    dataset = await mnistSlice(64, 16);
  });

  it.each([
    ['sgd', { momentum: 0.9 }, ['momentum_buffer']],
    ['adamw', { optimizer: 'adamw' as const }, ['exp_avg', 'exp_avg_sq']],
  ] as const)('keeps the parameters, the gradient and the %s slots in the SIMD memory', (_name, flags, slots) => {
    const session = new TrainingSession(config({ model: 'mlp', ...flags }), dataset);
    const { replica } = session;
    expect(simdMemory.addressOf(replica.params)).toBeDefined();
    expect(simdMemory.addressOf(session.synced)).toBeDefined();
    // The slots are private fields (exportState hands out copies), so look at the fields themselves.
    const optimizer = replica.optimizer as unknown as Record<string, Float32Array | undefined>;
    const fields = { momentum_buffer: optimizer.buffer, exp_avg: optimizer.expAvg, exp_avg_sq: optimizer.expAvgSq };
    for (const slot of slots) expect(simdMemory.addressOf(fields[slot]!), slot).toBeDefined();
  });
});
