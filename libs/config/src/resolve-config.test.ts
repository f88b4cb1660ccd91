import { describe, expect, it } from 'vitest';
import { resolveConfig } from './resolve-config.js';

describe('resolveConfig', () => {
  it('fills every option that has a default', () => {
    expect(resolveConfig()).toEqual({
      model: 'mlp', dataset: 'mnist', epochs: 3, batchSize: 32, accumSteps: 1, optimizer: 'sgd', lr: 0.1, momentum: 0.9,
      dampening: 0, nesterov: false, weightDecay: 0, l2: 0, adamBeta1: 0.9, adamBeta2: 0.999, adamEps: 1e-8,
      scheduler: 'cosine', tMult: 1, etaMin: 0, gamma: 0.1, warmupSteps: 0, warmupStartFactor: 1 / 3, clipMode: 'norm',
      clipNormType: '2', seed: 0, shuffle: true, dropLast: false, bucketMb: 25, commThread: false, wireDtype: 'float32', hashEvery: 50,
      logEvery: 10, commTimeoutMs: 60000, backend: 'auto', blas: 'auto', checkpointEvery: 0, unixSockets: true, sharedMemory: true,
    });
  });

  it("defaults --lr and --weight-decay per optimizer as torch.optim does: SGD 0.1 and 0, AdamW's own 1e-3 and 1e-2", () => {
    expect(resolveConfig({ flags: { optimizer: 'sgd' } })).toMatchObject({ lr: 0.1, weightDecay: 0 });
    expect(resolveConfig({ flags: { optimizer: 'adamw' } })).toMatchObject({ lr: 0.001, weightDecay: 0.01 });
    // From a config file too, and a value given anywhere wins over the optimizer's default.
    expect(resolveConfig({ file: { optimizer: 'adamw' } })).toMatchObject({ lr: 0.001, weightDecay: 0.01 });
    expect(resolveConfig({ file: { optimizer: 'adamw', weightDecay: 0 }, flags: { lr: 0.01 } })).toMatchObject({ lr: 0.01, weightDecay: 0 });
  });

  it('takes defaults < file < flags, and an undefined flag leaves the file value', () => {
    const config = resolveConfig({
      file: { batchSize: 64, lr: 0.1, shuffle: false },
      flags: { lr: 0.2, shuffle: undefined },
    });
    expect(config).toMatchObject({ batchSize: 64, lr: 0.2, shuffle: false, epochs: 3 });
  });

  it('ignores keys of the layers that are not options, so a command\'s whole option object can be passed', () => {
    const flags = { epochs: 7, port: 29500, config: 'run.yaml' };
    expect(resolveConfig({ flags })).not.toHaveProperty('port');
    expect(resolveConfig({ flags }).epochs).toBe(7);
  });

  it('checks every value, naming the flag', () => {
    expect(() => resolveConfig({ file: { batchSize: 0 } })).toThrow('--batch-size must be an integer >= 1, got 0');
  });

  it('requires --step-size for the step scheduler', () => {
    expect(() => resolveConfig({ flags: { scheduler: 'step' } })).toThrow('--scheduler step needs --step-size');
    expect(resolveConfig({ flags: { scheduler: 'step', stepSize: 30 } }).stepSize).toBe(30);
  });

  it('refuses a clip mode or norm type without --clip-norm, naming both flags', () => {
    expect(() => resolveConfig({ flags: { clipMode: 'value' } })).toThrow('--clip-mode value has no effect without --clip-norm');
    expect(() => resolveConfig({ flags: { clipNormType: 'inf' } })).toThrow('--clip-norm-type inf has no effect without --clip-norm');
    expect(() => resolveConfig({ flags: { clipNorm: 1, clipMode: 'agc', clipNormType: 'inf' } })).toThrow(
      '--clip-norm-type inf has no effect without --clip-mode norm',
    );
    expect(resolveConfig({ flags: { clipNorm: 0.01, clipMode: 'agc' } })).toMatchObject({ clipNorm: 0.01, clipMode: 'agc' });
  });

  it('refuses a non-default value of an option the chosen optimizer or schedule ignores', () => {
    expect(() => resolveConfig({ flags: { scheduler: 'constant', tMax: 500 } })).toThrow('--t-max 500 has no effect without --scheduler cosine');
    expect(() => resolveConfig({ flags: { scheduler: 'cosine', tMult: 2 } })).toThrow(
      '--t-mult 2 has no effect without --scheduler cosine-restarts',
    );
    expect(() => resolveConfig({ file: { momentum: 0.5 }, flags: { optimizer: 'adamw' } })).toThrow(
      '--momentum 0.5 has no effect without --optimizer sgd',
    );
    expect(() => resolveConfig({ flags: { warmupStartFactor: 0.1 } })).toThrow(
      '--warmup-start-factor 0.1 has no effect without --warmup-steps > 0',
    );
    // Defaults of inapplicable options (momentum 0.9 under AdamW) are fine: nobody asked for them.
    expect(resolveConfig({ flags: { optimizer: 'adamw', scheduler: 'cosine', tMax: 500, etaMin: 1e-4 } })).toMatchObject({ momentum: 0.9 });
  });

  it('applies torch.optim.SGD\'s Nesterov rule: momentum > 0 and no dampening', () => {
    expect(() => resolveConfig({ flags: { nesterov: true, momentum: 0 } })).toThrow(
      '--nesterov needs --momentum > 0 and --dampening 0, got --momentum 0 and --dampening 0',
    );
    expect(() => resolveConfig({ flags: { nesterov: true, dampening: 0.1 } })).toThrow('--nesterov needs');
    expect(() => resolveConfig({ flags: { nesterov: true, optimizer: 'adamw' } })).toThrow('--nesterov has no effect without --optimizer sgd');
    expect(resolveConfig({ flags: { nesterov: true } }).nesterov).toBe(true);
  });
});
