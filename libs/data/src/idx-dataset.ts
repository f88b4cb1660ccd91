// `idx:DIR`: a dataset in the layout MNIST and Fashion-MNIST publish, four IDX files, each gzipped or not.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { InvalidArgumentError } from '@ringtrain/common';
import { classificationDataset, type Dataset, type DatasetSplit } from './dataset.js';
import { parseIdx, type IdxArray, type IdxExpectation } from './idx.js';

const gunzipAsync = promisify(gunzip);

/** The file names looked for in DIR, each as is or with `.gz` appended. */
export const IDX_FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** byte / 255 for every byte value: pixels normalised to [0, 1]. */
const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, byte) => byte / 255);

const IMAGES: IdxExpectation = { dtype: 'uint8', rank: 3 };
const LABELS: IdxExpectation = { dtype: 'uint8', rank: 1 };

interface IdxFile {
  path: string;
  array: IdxArray;
}

function isMissingFile(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Reads DIR/name or else DIR/name.gz, gunzips it when it starts with the gzip magic 1f 8b, and parses it. */
async function readIdxFile(dir: string, name: string, expect: IdxExpectation): Promise<IdxFile> {
  for (const path of [join(dir, name), join(dir, `${name}.gz`)]) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      if (isMissingFile(err)) continue;
      throw new InvalidArgumentError(`${path}: cannot read it (${(err as Error).message})`, { subject: path }, { cause: err });
    }
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        bytes = await gunzipAsync(bytes);
      } catch (err) {
        throw new InvalidArgumentError(`${path}: not a valid gzip stream (${(err as Error).message})`, { subject: path }, { cause: err });
      }
    }
    return { path, array: parseIdx(bytes, path, expect) };
  }
  const path = join(dir, name);
  throw new InvalidArgumentError(`${path}: missing (neither ${name} nor ${name}.gz is in ${dir})`, { subject: path });
}

interface ImageSplit {
  split: DatasetSplit;
  /** [rows, columns] of every image. */
  imageDims: readonly number[];
  imagesPath: string;
  largestLabel: number;
}

async function readSplit(dir: string, imagesName: string, labelsName: string): Promise<ImageSplit> {
  const [images, labels] = await Promise.all([readIdxFile(dir, imagesName, IMAGES), readIdxFile(dir, labelsName, LABELS)]);
  const [count, rows, columns] = images.array.dims as [number, number, number];
  if (count === 0) throw new InvalidArgumentError(`${images.path}: holds no images`, { subject: images.path });
  if (labels.array.dims[0] !== count) {
    throw new InvalidArgumentError(`${labels.path}: holds ${labels.array.dims[0]} labels but ${images.path} holds ${count} images`, {
      subject: labels.path,
    });
  }
  // IMAGES demands uint8, so the data is a Uint8Array; a monomorphic loop over it and a table lookup convert
  // tens of millions of pixels noticeably faster than a division through the typed-array union.
  const pixels = images.array.data as Uint8Array;
  const inputs = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) inputs[i] = BYTE_TO_UNIT[pixels[i]!]!;
  const classIds = Int32Array.from(labels.array.data);
  return {
    split: { size: count, inputs, labels: classIds },
    imageDims: [rows, columns],
    imagesPath: images.path,
    largestLabel: classIds.reduce((largest, label) => Math.max(largest, label), 0),
  };
}

/**
 * Loads `idx:DIR`: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
 * t10k-labels-idx1-ubyte, each optionally `.gz`. Images become [rows, columns, 1] with pixels byte / 255;
 * numClasses is the largest label + 1. Errors name the file and the problem.
 */
export async function loadIdxDataset(dir: string): Promise<Dataset> {
  const info = await stat(dir).catch((err: unknown) => {
    throw new InvalidArgumentError(`idx dataset directory ${dir} ${isMissingFile(err) ? 'does not exist' : `cannot be read (${(err as Error).message})`}`, {
      subject: dir,
    });
  });
  if (!info.isDirectory()) throw new InvalidArgumentError(`idx dataset path ${dir} is not a directory`, { subject: dir });
  const [train, test] = await Promise.all([
    readSplit(dir, IDX_FILE_NAMES.trainImages, IDX_FILE_NAMES.trainLabels),
    readSplit(dir, IDX_FILE_NAMES.testImages, IDX_FILE_NAMES.testLabels),
  ]);
  if (test.imageDims.join('x') !== train.imageDims.join('x')) {
    throw new InvalidArgumentError(`${test.imagesPath}: images are ${test.imageDims.join('x')} but the train images are ${train.imageDims.join('x')}`, {
      subject: test.imagesPath,
    });
  }
  const numClasses = Math.max(train.largestLabel, test.largestLabel) + 1;
  return classificationDataset(`idx:${dir}`, [...train.imageDims, 1], numClasses, train.split, test.split);
}
