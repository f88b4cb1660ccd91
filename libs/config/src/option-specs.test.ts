import { describe, expect, it } from 'vitest';
import { optionName, TRAIN_OPTIONS } from './option-specs.js';
import { checkOptionValue } from './option-values.js';
import type { RunConfig } from './run-config.js';

// Type-checked against RunConfig: a missing field or an extra one fails to compile, so the comparison with
// TRAIN_OPTIONS below fails at run time whenever the table and the interface disagree.
const EVERY_FIELD: Record<keyof RunConfig, true> = {
  model: true, dataset: true, epochs: true, batchSize: true, accumSteps: true, optimizer: true, lr: true, momentum: true,
  dampening: true, nesterov: true, weightDecay: true, l2: true, adamBeta1: true, adamBeta2: true, adamEps: true,
  scheduler: true, tMax: true, t0: true, tMult: true, etaMin: true, stepSize: true, gamma: true, warmupSteps: true,
  warmupStartFactor: true, scaleLrBatch: true, clipNorm: true, clipMode: true, clipNormType: true, seed: true,
  shuffle: true, dropLast: true, bucketMb: true, commThread: true, wireDtype: true, hashEvery: true, logEvery: true, commTimeoutMs: true,
  backend: true, blas: true, checkpointDir: true, checkpointEvery: true, resume: true, out: true, token: true, tlsCert: true, tlsKey: true, tlsCa: true, unixSockets: true, sharedMemory: true,
};

describe('TRAIN_OPTIONS', () => {
  it('has one spec per RunConfig field, and no other', () => {
    const keys = TRAIN_OPTIONS.map((spec) => spec.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(Object.keys(EVERY_FIELD).sort());
  });

  it('spells each flag as the kebab-case key, negated for switches that default to on', () => {
    const flags = Object.fromEntries(TRAIN_OPTIONS.map((spec) => [spec.key, spec.flag]));
    expect(flags).toMatchObject({ batchSize: '--batch-size', adamBeta1: '--adam-beta1', t0: '--t0', l2: '--l2' });
    expect(flags).toMatchObject({ commTimeoutMs: '--comm-timeout-ms', shuffle: '--no-shuffle', nesterov: '--nesterov' });
    for (const spec of TRAIN_OPTIONS) {
      const negated = spec.kind === 'boolean' && spec.defaultValue === true;
      expect(spec.flag).toBe(`--${negated ? 'no-' : ''}${optionName(spec)}`);
    }
  });

  it('gives a value name to every option that takes a value, and choices exactly to choice options', () => {
    for (const spec of TRAIN_OPTIONS) {
      expect(spec.valueName === undefined, spec.key).toBe(spec.kind === 'boolean');
      expect(spec.choices === undefined, spec.key).toBe(spec.kind !== 'choice');
      expect(spec.description, spec.key).toMatch(/^[^\n]{8,80}$/);
    }
  });

  it('has defaults its own checks accept', () => {
    for (const spec of TRAIN_OPTIONS) {
      if (spec.defaultValue !== undefined) expect(checkOptionValue(spec, spec.defaultValue)).toBe(spec.defaultValue);
    }
  });

  it('marks exactly the per-node options as node scope', () => {
    const nodeKeys = TRAIN_OPTIONS.filter((spec) => spec.scope === 'node').map((spec) => spec.key);
    expect(nodeKeys.sort()).toEqual(['backend', 'blas', 'checkpointDir', 'out', 'resume', 'sharedMemory', 'tlsCa', 'tlsCert', 'tlsKey', 'token', 'unixSockets']);
  });

  it('leaves without a default exactly the options that are derived or off when unset', () => {
    const noDefault = TRAIN_OPTIONS.filter((spec) => spec.defaultValue === undefined).map((spec) => spec.key);
    expect(noDefault.sort()).toEqual(['checkpointDir', 'clipNorm', 'out', 'resume', 'scaleLrBatch', 'stepSize', 't0', 'tMax', 'tlsCa', 'tlsCert', 'tlsKey', 'token']);
  });
});

describe('per-optimizer defaults', () => {
  it('come after --optimizer in TRAIN_OPTIONS, which resolveConfig resolves in order', () => {
    const index = (key: string) => TRAIN_OPTIONS.findIndex((spec) => spec.key === key);
    for (const spec of TRAIN_OPTIONS.filter((option) => option.defaultByOptimizer !== undefined)) expect(index(spec.key)).toBeGreaterThan(index('optimizer'));
    expect(TRAIN_OPTIONS.filter((option) => option.defaultByOptimizer !== undefined).map((option) => option.key)).toEqual(['lr', 'weightDecay']);
  });
});
