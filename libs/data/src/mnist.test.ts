import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFixture } from '../test/read-fixture.js';
import type { Dataset } from './dataset.js';
import { loadMnist } from './mnist.js';

// The package's own API, as an independent reader of the same digits.
const mnistPackage = createRequire(import.meta.url)('mnist') as { length: number; [digit: number]: { length: number; get(i: number): number[] } };
// Digits per class in the package (1001 zeros, 1127 ones, ...), summing to 10,000.
const PACKAGE_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
// The split as make_fixtures.py's Python mirror of seededPermutation computes it.
const goldenSplit = readFixture<{ mnistSplit: { trainClassCounts: number[]; firstTestLabels: number[]; firstTrainLabels: number[] } }>(
  'ringtrain_shuffle.json',
).mnistSplit;

let mnist: Dataset;
beforeAll(async () => {
  mnist = await loadMnist();
});

function classCounts(labels: Int32Array | Float32Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of labels) counts[label]!++;
  return counts;
}

describe('mnist', () => {
  it('is 8,000 train and 2,000 test 28x28x1 images of 10 classes', () => {
    expect(mnist).toMatchObject({ name: 'mnist', task: 'classification', inputShape: [28, 28, 1], numClasses: 10, targetSize: 1, numTrain: 8000, numTest: 2000 });
    expect(mnist.train.inputs).toHaveLength(8000 * 784);
    expect(mnist.test.inputs).toHaveLength(2000 * 784);
    expect(mnist.train.labels).toBeInstanceOf(Int32Array);
  });

  it('holds as many digits of each class, train and test together, as the package', () => {
    const counts = classCounts(mnist.train.labels).map((c, digit) => c + classCounts(mnist.test.labels)[digit]!);
    expect(counts).toEqual(PACKAGE_COUNTS);
    expect(PACKAGE_COUNTS.map((_, digit) => mnistPackage[digit]!.length)).toEqual(PACKAGE_COUNTS);
  });

  it('mixes the classes into both splits (every class holds 7%..13% of each)', () => {
    for (const [split, size] of [[mnist.train, 8000], [mnist.test, 2000]] as const) {
      const shares = classCounts(split.labels).map((count) => count / size);
      expect(Math.min(...shares)).toBeGreaterThan(0.07);
      expect(Math.max(...shares)).toBeLessThan(0.13);
    }
  });

  it('is the fixed split the Python mirror computes', () => {
    expect(classCounts(mnist.train.labels)).toEqual(goldenSplit.trainClassCounts);
    expect(Array.from(mnist.train.labels.subarray(0, 32))).toEqual(goldenSplit.firstTrainLabels);
    expect(Array.from(mnist.test.labels.subarray(0, 32))).toEqual(goldenSplit.firstTestLabels);
  });

  it('stores pixels as exactly byte / 255 in [0, 1]', () => {
    const pixels = mnist.test.inputs;
    let offGrid = 0;
    for (const pixel of pixels) {
      const byte = Math.round(pixel * 255);
      if (pixel !== Math.fround(byte / 255) || byte < 0 || byte > 255) offGrid++;
    }
    expect(offGrid).toBe(0);
  });

  it('every 400th train image is one of the package\'s digits of its label (pixels within the 3-decimal rounding)', () => {
    for (let sample = 0; sample < 8000; sample += 400) {
      const image = mnist.train.inputs.subarray(sample * 784, (sample + 1) * 784);
      const digit = mnistPackage[mnist.train.labels[sample]!]!;
      const matches = Array.from({ length: digit.length }, (_, i) => digit.get(i)).filter((candidate) =>
        candidate.every((v, p) => Math.abs(v - image[p]!) <= 0.0006),
      );
      expect(matches.length, `train sample ${sample}`).toBeGreaterThanOrEqual(1);
    }
  });
});
