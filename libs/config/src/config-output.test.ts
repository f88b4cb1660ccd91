import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from './config-file.js';
import { configHash, formatConfig, toConfigFile } from './config-output.js';
import { resolveConfig } from './resolve-config.js';
import type { RunConfig } from './run-config.js';

/** A valid config far from the defaults, with every node option set and strings that need quoting. */
const busy: RunConfig = resolveConfig({
  flags: {
    model: 'cnn', dataset: 'idx:/data/my mnist', epochs: 10, batchSize: 16, accumSteps: 8, optimizer: 'adamw', lr: 3e-4,
    weightDecay: 0.05, l2: 1e-5, adamBeta1: 0.8, adamBeta2: 0.95, adamEps: 1e-6, scheduler: 'cosine-restarts', t0: 100,
    tMult: 2, etaMin: 1e-6, warmupSteps: 50, warmupStartFactor: 0.01, scaleLrBatch: 256, clipNorm: 1, clipNormType: 'inf',
    seed: 2 ** 32 - 1, shuffle: false, dropLast: true, bucketMb: 0.5, commThread: true, wireDtype: 'float16', hashEvery: 0, logEvery: 1,
    commTimeoutMs: 5000, backend: 'wasm', blas: 'off', checkpointDir: 'ckpt', checkpointEvery: 200, resume: 'ckpt', out: 'runs/a',
    token: 's3cret',
  },
});

describe('configHash', () => {
  it('is the SHA-256 of the sorted JSON of the run options, by config-file name', () => {
    const canonical =
      '{"accum-steps":1,"adam-beta1":0.9,"adam-beta2":0.999,"adam-eps":1e-8,"batch-size":32,"bucket-mb":25,' +
      '"checkpoint-every":0,"clip-mode":"norm","clip-norm-type":"2","comm-thread":false,"comm-timeout-ms":60000,"dampening":0,' +
      '"dataset":"mnist","drop-last":false,"epochs":3,"eta-min":0,"gamma":0.1,"hash-every":50,"l2":0,"log-every":10,' +
      '"lr":0.1,"model":"mlp","momentum":0.9,"nesterov":false,"optimizer":"sgd","scheduler":"cosine","seed":0,' +
      '"shuffle":true,"t-mult":1,"warmup-start-factor":0.3333333333333333,"warmup-steps":0,"weight-decay":0,' +
      '"wire-dtype":"float32"}';
    expect(configHash(resolveConfig())).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('does not depend on the order of the keys', () => {
    const reversed = Object.fromEntries(Object.entries(busy).reverse()) as RunConfig;
    expect(configHash(reversed)).toBe(configHash(busy));
  });

  it('ignores the node options, which may differ between nodes', () => {
    const otherNode = { ...busy, backend: 'cpu', blas: 'native', checkpointDir: 'elsewhere', resume: undefined, out: undefined, token: 'x' } as const;
    expect(configHash(otherNode)).toBe(configHash(busy));
  });

  it('changes with any run option', () => {
    const base = configHash(busy);
    expect(configHash({ ...busy, lr: 3.0001e-4 })).not.toBe(base);
    expect(configHash({ ...busy, shuffle: true })).not.toBe(base);
    expect(configHash({ ...busy, scaleLrBatch: undefined })).not.toBe(base);
    expect(configHash({ ...busy, checkpointEvery: 100 })).not.toBe(base);
  });
});

describe('toConfigFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ringtrain-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('uses config-file names and leaves out unset options and the token', () => {
    const file = toConfigFile(resolveConfig({ flags: { token: 's3cret', out: 'runs/a' } }));
    expect(file).toMatchObject({ 'batch-size': 32, 'adam-beta1': 0.9, shuffle: true, out: 'runs/a' });
    expect(Object.keys(file)).not.toContain('token');
    expect(Object.keys(file)).not.toContain('clip-norm');
    expect(Object.keys(file)).toHaveLength(38);
  });

  it('round-trips through a YAML and a JSON config file to the same config, without the token', async () => {
    const { token: _secret, ...expected } = busy;
    const yamlPath = join(dir, 'busy.yaml');
    const jsonPath = join(dir, 'busy.json');
    await writeFile(yamlPath, stringify(toConfigFile(busy)));
    await writeFile(jsonPath, JSON.stringify(toConfigFile(busy)));
    expect(resolveConfig({ file: await loadConfigFile(yamlPath) })).toEqual(expected);
    expect(resolveConfig({ file: await loadConfigFile(jsonPath) })).toEqual(expected);
  });
});

describe('formatConfig', () => {
  it('lists name=value pairs in lines under 100 columns, quoting strings with spaces, without the token', () => {
    const text = formatConfig(busy);
    const lines = text.split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    expect(lines[0]).toMatch(/^model=cnn dataset="idx:\/data\/my mnist" epochs=10 batch-size=16 /);
    expect(text.split(/\s+/)).toEqual(expect.arrayContaining(['clip-norm-type=inf', 'shuffle=false', 'seed=4294967295']));
    expect(text).not.toContain('token');
  });
});
