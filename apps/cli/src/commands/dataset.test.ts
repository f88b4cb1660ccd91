import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectUsageError, runCli } from '../testing/run-cli.js';

/** An IDX file: magic 0x0000 08 <ndims>, big-endian u32 dimensions, then the bytes. */
function idx(dims: number[], magic = 0x08): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = magic;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.alloc(dims.reduce((a, b) => a * b, 1))]);
}

function idxDir(corruptTrainImages = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'ringtrain-idx-'));
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), corruptTrainImages ? idx([3, 4, 4], 0x0e) : idx([3, 4, 4]));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([3]));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([2, 4, 4]));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([2]));
  return dir;
}

describe('ringtrain dataset', () => {
  it('describes the embedded mnist and a directory of IDX files', async () => {
    const [mnist, files] = await Promise.all([runCli(['dataset', '--dataset', 'mnist']), runCli(['dataset', '--dataset', `idx:${idxDir()}`, '--json'])]);
    expect(mnist).toMatchObject({ code: 0, stdout: 'mnist: classification, input 28x28x1, 10 classes; 8000 train / 2000 test samples\n' });
    expect(files.code).toBe(0);
    expect(JSON.parse(files.stdout)).toMatchObject({ task: 'classification', input_shape: [4, 4, 1], num_train: 3, num_test: 2 });
  });

  it('exits 2 naming the problem for an unknown dataset, a missing directory and a corrupt IDX header', async () => {
    const dir = idxDir(true);
    const [unknown, missing, corrupt] = await Promise.all([
      runCli(['dataset', '--dataset', 'cifar']),
      runCli(['dataset', '--dataset', 'idx:/nonexistent/dir']),
      runCli(['dataset', '--dataset', `idx:${dir}`]),
    ]);
    expectUsageError(unknown, 'unknown dataset "cifar"');
    expectUsageError(missing, '/nonexistent/dir');
    expectUsageError(corrupt, join(dir, 'train-images-idx3-ubyte'));
  });
});
