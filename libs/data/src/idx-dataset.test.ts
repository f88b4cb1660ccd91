import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { uint8Idx } from '../test/idx-writer.js';
import { loadIdxDataset } from './idx-dataset.js';

const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

// A tiny dataset: 3 train and 2 test images of 2 rows x 3 columns, labels up to 4 (so numClasses = 5).
const TRAIN_PIXELS = [0, 51, 102, 153, 204, 255, 1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60];
const TEST_PIXELS = [255, 0, 255, 0, 255, 0, 7, 7, 7, 7, 7, 7];
const files = {
  'train-images-idx3-ubyte': uint8Idx([3, 2, 3], TRAIN_PIXELS),
  'train-labels-idx1-ubyte': uint8Idx([3], [4, 0, 2]),
  't10k-images-idx3-ubyte': uint8Idx([2, 2, 3], TEST_PIXELS),
  't10k-labels-idx1-ubyte': uint8Idx([2], [1, 3]),
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ringtrain-idx-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes the tiny dataset, gzipping the files named in `gzipped` (as NAME.gz). */
async function writeDataset(gzipped: string[], replace: Partial<Record<keyof typeof files, Uint8Array>> = {}): Promise<void> {
  for (const [name, original] of Object.entries(files)) {
    const bytes = replace[name as keyof typeof files] ?? original;
    if (gzipped.includes(name)) await writeFile(join(dir, `${name}.gz`), gzipSync(bytes));
    else await writeFile(join(dir, name), bytes);
  }
}

describe('loadIdxDataset', () => {
  it.each([
    ['plain files', []],
    ['gzipped files', Object.keys(files)],
    ['a mix', ['train-images-idx3-ubyte', 't10k-labels-idx1-ubyte']],
  ])('reads %s: images as byte / 255 in [rows, columns, 1], labels as Int32Array', async (_what, gzipped) => {
    await writeDataset(gzipped);
    const dataset = await loadIdxDataset(dir);
    expect(dataset).toMatchObject({ name: `idx:${dir}`, task: 'classification', inputShape: [2, 3, 1], numClasses: 5, numTrain: 3, numTest: 2 });
    expect(Array.from(dataset.train.inputs)).toEqual(TRAIN_PIXELS.map((byte) => Math.fround(byte / 255)));
    expect(Array.from(dataset.test.inputs)).toEqual(TEST_PIXELS.map((byte) => Math.fround(byte / 255)));
    expect(dataset.train.labels).toEqual(Int32Array.from([4, 0, 2]));
    expect(dataset.test.labels).toEqual(Int32Array.from([1, 3]));
  });

  it('names a missing file', async () => {
    await writeDataset([]);
    await rm(join(dir, 't10k-labels-idx1-ubyte'));
    await expect(loadIdxDataset(dir)).rejects.toThrow(`${join(dir, 't10k-labels-idx1-ubyte')}: missing (neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz`);
  });

  it('names a corrupt header inside a gzipped file', async () => {
    const corrupt = uint8Idx([3, 2, 3], TRAIN_PIXELS);
    corrupt[1] = 0x42;
    await writeDataset(['train-images-idx3-ubyte'], { 'train-images-idx3-ubyte': corrupt });
    await expect(loadIdxDataset(dir)).rejects.toThrow(`${join(dir, 'train-images-idx3-ubyte.gz')}: bad IDX magic`);
  });

  it('names a file that starts like gzip but is not', async () => {
    await writeDataset([], { 't10k-images-idx3-ubyte': Uint8Array.from([0x1f, 0x8b, 1, 2, 3]) });
    await expect(loadIdxDataset(dir)).rejects.toThrow(`${join(dir, 't10k-images-idx3-ubyte')}: not a valid gzip stream`);
  });

  it('rejects label and image counts that differ', async () => {
    await writeDataset([], { 'train-labels-idx1-ubyte': uint8Idx([2], [1, 2]) });
    await expect(loadIdxDataset(dir)).rejects.toThrow(/train-labels-idx1-ubyte: holds 2 labels but .*train-images-idx3-ubyte holds 3 images/);
  });

  it('rejects test images of another size than the train images', async () => {
    await writeDataset([], { 't10k-images-idx3-ubyte': uint8Idx([2, 3, 2], TEST_PIXELS) });
    await expect(loadIdxDataset(dir)).rejects.toThrow(/t10k-images-idx3-ubyte: images are 3x2 but the train images are 2x3/);
  });

  it('rejects a directory that does not exist', async () => {
    await expect(loadIdxDataset(join(dir, 'nope'))).rejects.toThrow(`idx dataset directory ${join(dir, 'nope')} does not exist`);
  });
});

describe.skipIf(!existsSync(join(FASHION_MNIST, 'train-images-idx3-ubyte.gz')))('Fashion-MNIST from Debian', () => {
  it('is 60,000 + 10,000 28x28 images of 10 balanced classes (6,000 and 1,000 each)', async () => {
    const dataset = await loadIdxDataset(FASHION_MNIST);
    expect(dataset).toMatchObject({ inputShape: [28, 28, 1], numClasses: 10, numTrain: 60000, numTest: 10000 });
    const counts = (labels: Int32Array | Float32Array): number[] => {
      const perClass = new Array<number>(10).fill(0);
      for (const label of labels) perClass[label]!++;
      return perClass;
    };
    expect(counts(dataset.train.labels)).toEqual(new Array(10).fill(6000));
    expect(counts(dataset.test.labels)).toEqual(new Array(10).fill(1000));
    // Pixels are byte / 255: the test images use the whole range, 0 and 1 included.
    let min = Infinity;
    let max = -Infinity;
    for (const pixel of dataset.test.inputs) {
      min = Math.min(min, pixel);
      max = Math.max(max, pixel);
    }
    expect([min, max]).toEqual([0, 1]);
  });
});
