import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { selectBackend, type ConcreteBackendName } from '../src/index.js';

/** Activates `backend` (cpu or wasm: the ones installed here). */
export async function useBackend(backend: Extract<ConcreteBackendName, 'cpu' | 'wasm'>): Promise<void> {
  await selectBackend(backend);
  expect(tf.getBackend()).toBe(backend);
}

/** Runs `compute` on the cpu backend and then on wasm, returning both results. */
export async function onCpuAndWasm<T>(compute: () => T): Promise<{ cpu: T; wasm: T }> {
  await useBackend('cpu');
  const cpu = compute();
  await useBackend('wasm');
  return { cpu, wasm: compute() };
}

/** Deterministic N(0, 1) values (tfjs's seeded generator runs in JavaScript, so every backend gets the same). */
export function normalValues(shape: number[], seed: number): Float32Array {
  const t = tf.randomNormal(shape, 0, 1, 'float32', seed);
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values.slice();
}

/** max_i |actual_i − expected_i|, with equal lengths required. */
export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let max = 0;
  for (let i = 0; i < actual.length; i++) max = Math.max(max, Math.abs(actual[i]! - expected[i]!));
  return max;
}

/** Every element within `tolerance` of the expected one, where tolerance scales with the largest expected magnitude. */
export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relative = 1e-5): void {
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  expect(maxAbsDiff(actual, expected)).toBeLessThanOrEqual(relative * scale);
}

/** tf.tidy for a body that returns plain values: every tensor it makes is disposed when it returns. */
export function scoped<T>(body: () => T): T {
  tf.engine().startScope();
  try {
    return body();
  } finally {
    tf.engine().endScope();
  }
}
