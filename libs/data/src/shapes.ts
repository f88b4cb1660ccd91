// `shapes`: seeded synthetic grayscale images, each holding one filled circle, square or triangle on a black
// background, labelled with its class and its bounding box, for classification now and detection later.
// Cheap to make at any size, so tests and benchmarks do not need files, and hard enough that a model must
// learn shape (not brightness or position): position, size and intensity are all random.

import type { Dataset, DatasetSplit } from './dataset.js';
import { classificationDataset } from './dataset.js';
import { requireInteger } from './options.js';
import { Mulberry32, mixSeed } from './prng.js';

/** Class names by label: 0 circle, 1 square, 2 triangle. */
export const SHAPE_CLASSES = ['circle', 'square', 'triangle'] as const;

export interface ShapesOptions {
  /** Height and width of the square images in pixels, at least 8. Default 32. */
  imageSize?: number;
  /** Train images, at least 1. Default 2000. */
  numTrain?: number;
  /** Test images, at least 1. Default 500. */
  numTest?: number;
  /** Seed; train and test images come from separate streams of it. Default 0. */
  seed?: number;
}

// Stream numbers mixed with the seed so the train and test images are unrelated.
const TRAIN_STREAM = 1;
const TEST_STREAM = 2;
// Shapes span 30%..80% of the image side; at 8 pixels that is >= 2.4, enough to cover a pixel centre.
const MIN_EXTENT = 0.3;
const MAX_EXTENT = 0.8;

/**
 * Whether the point (x, y) is inside the shape of class `label` with centre (cx, cy) and extent `side`
 * (in pixels). All three fill the same box [cx +- side/2] x [cy +- side/2]: the circle is inscribed (radius
 * side/2), the square is the box, and the triangle has its apex at the top centre and its base on the
 * bottom edge, so at height y below the top (cy - side/2) its half-width is (y - top) / 2.
 */
function covers(label: number, x: number, y: number, cx: number, cy: number, side: number): boolean {
  const half = side / 2;
  const dx = x - cx;
  const dy = y - cy;
  if (label === 0) return dx * dx + dy * dy <= half * half;
  if (label === 1) return Math.abs(dx) <= half && Math.abs(dy) <= half;
  return Math.abs(dy) <= half && Math.abs(dx) <= (dy + half) / 2;
}

function makeSplit(count: number, size: number, rng: Mulberry32): DatasetSplit {
  const inputs = new Float32Array(count * size * size);
  const labels = new Int32Array(count);
  const boxes = new Float32Array(count * 4);
  for (let i = 0; i < count; i++) {
    const label = rng.nextBelow(SHAPE_CLASSES.length);
    const side = size * (MIN_EXTENT + (MAX_EXTENT - MIN_EXTENT) * rng.nextFloat());
    const cx = side / 2 + (size - side) * rng.nextFloat();
    const cy = side / 2 + (size - side) * rng.nextFloat();
    const intensity = 0.5 + 0.5 * rng.nextFloat();
    labels[i] = label;
    boxes.set([(cy - side / 2) / size, (cx - side / 2) / size, (cy + side / 2) / size, (cx + side / 2) / size], i * 4);
    // A pixel is lit when its centre (column + 0.5, row + 0.5) is inside the shape; only the box's rows and
    // columns can be.
    const image = i * size * size;
    for (let row = Math.floor(cy - side / 2); row < Math.ceil(cy + side / 2); row++) {
      for (let column = Math.floor(cx - side / 2); column < Math.ceil(cx + side / 2); column++) {
        if (covers(label, column + 0.5, row + 0.5, cx, cy, side)) inputs[image + row * size + column] = intensity;
      }
    }
  }
  return { size: count, inputs, labels, boxes };
}

/** Builds the `shapes` dataset: [imageSize, imageSize, 1] images, 3 classes, boxes on every split. */
export function makeShapesDataset(options: ShapesOptions = {}): Dataset {
  const size = requireInteger(options.imageSize ?? 32, 'shapes.imageSize', 8);
  const numTrain = requireInteger(options.numTrain ?? 2000, 'shapes.numTrain', 1);
  const numTest = requireInteger(options.numTest ?? 500, 'shapes.numTest', 1);
  const seed = requireInteger(options.seed ?? 0, '--seed', 0);
  const train = makeSplit(numTrain, size, new Mulberry32(mixSeed(seed, TRAIN_STREAM)));
  const test = makeSplit(numTest, size, new Mulberry32(mixSeed(seed, TEST_STREAM)));
  return classificationDataset('shapes', [size, size, 1], SHAPE_CLASSES.length, train, test);
}
