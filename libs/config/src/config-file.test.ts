import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from './config-file.js';

const fixture = (name: string) => fileURLToPath(new URL(`../test/fixtures/${name}`, import.meta.url));

/** Loading `name` fails with exactly this message after the file's path. */
async function expectRefused(name: string, detail: string): Promise<void> {
  const path = fixture(name);
  await expect(loadConfigFile(path)).rejects.toThrow(InvalidArgumentError);
  await expect(loadConfigFile(path)).rejects.toMatchObject({ detail: `${path}: ${detail}`, context: { subject: path } });
}

describe('loadConfigFile', () => {
  it('reads a YAML file keyed by option names, with YAML 1.2 numbers (1e-3) and booleans', async () => {
    expect(await loadConfigFile(fixture('run.yaml'))).toEqual({
      model: 'cnn',
      dataset: 'idx:/data/fashion mnist',
      epochs: 5,
      batchSize: 64,
      optimizer: 'adamw',
      lr: 0.001,
      weightDecay: 0.01,
      scheduler: 'cosine',
      tMax: 1000,
      warmupSteps: 100,
      warmupStartFactor: 0.1,
      clipNorm: 1,
      clipNormType: 'inf',
      shuffle: false,
      dropLast: true,
      backend: 'wasm',
    });
  });

  it('reads a JSON file', async () => {
    expect(await loadConfigFile(fixture('run.json'))).toEqual({
      model: 'linear',
      batchSize: 128,
      accumSteps: 4,
      momentum: 0.5,
      nesterov: true,
      scheduler: 'step',
      stepSize: 30,
      gamma: 0.5,
      seed: 4294967295,
      out: 'runs/linear',
    });
  });

  it('reads a file of comments only as no options', async () => {
    expect(await loadConfigFile(fixture('comments-only.yaml'))).toEqual({});
  });

  it('takes a YAML number spelled like a choice as that choice (clip-norm-type: 2)', async () => {
    expect(await loadConfigFile(fixture('numeric-choice.yaml'))).toEqual({ clipNorm: 0.5, clipNormType: '2' });
  });

  it('refuses an unknown key, suggesting the nearest option name', async () => {
    await expectRefused('unknown-key.yaml', 'unknown key "batchsize" (did you mean "batch-size"?)');
  });

  it('refuses a negated flag as a key, saying how to write it', async () => {
    await expectRefused('no-shuffle.yaml', 'unknown key "no-shuffle" (write "shuffle: false")');
  });

  it('refuses a quoted number where an integer belongs, naming file and key', async () => {
    const path = fixture('quoted-number.yaml');
    await expect(loadConfigFile(path)).rejects.toMatchObject({
      detail: `${path}: batch-size must be an integer >= 1, got "64"`,
      context: { subject: `${path}: batch-size` },
    });
  });

  it('refuses a value out of range, naming file and key', async () => {
    const path = fixture('out-of-range.json');
    await expect(loadConfigFile(path)).rejects.toThrow(`${path}: momentum must be a number in [0, 1), got 1`);
  });

  it('refuses a top level that is not a mapping', async () => {
    await expectRefused('list.yaml', 'the top level must be a mapping of option names to values, got a list');
  });

  it('refuses YAML tags instead of reading or evaluating them', async () => {
    await expectRefused('tagged.yaml', 'invalid YAML: Unresolved tag: tag:yaml.org,2002:js/function at line 1, column 10');
  });

  it('refuses a key given twice', async () => {
    await expectRefused('duplicate-key.yaml', 'invalid YAML: Map keys must be unique at line 2, column 1');
  });

  it('reports JSON syntax errors', async () => {
    await expect(loadConfigFile(fixture('trailing-comma.json'))).rejects.toThrow(/trailing-comma\.json: invalid JSON: /);
  });

  it('refuses a missing file and an unknown extension, naming the file', async () => {
    await expect(loadConfigFile(fixture('missing.yaml'))).rejects.toThrow(/missing\.yaml: cannot read the config file \(ENOENT/);
    await expectRefused('run.toml', 'a config file must end in .yaml, .yml or .json');
  });
});
