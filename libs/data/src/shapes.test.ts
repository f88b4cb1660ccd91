import { describe, expect, it } from 'vitest';
import { sameValues } from '../test/same-values.js';
import { makeShapesDataset } from './shapes.js';

const SIZE = 32;
const shapes = makeShapesDataset({ imageSize: SIZE, numTrain: 900, numTest: 30, seed: 5 });

interface Measured {
  label: number;
  box: number[];
  /** Lit pixels' rows and columns extent, in pixel edges: [top, left, bottom, right]. */
  litExtent: number[];
  litCount: number;
  intensities: Set<number>;
}

function measure(index: number): Measured {
  const { inputs, labels, boxes } = shapes.train;
  let [top, left, bottom, right] = [Infinity, Infinity, -Infinity, -Infinity];
  let litCount = 0;
  const intensities = new Set<number>();
  for (let row = 0; row < SIZE; row++) {
    for (let column = 0; column < SIZE; column++) {
      const value = inputs[index * SIZE * SIZE + row * SIZE + column]!;
      if (value === 0) continue;
      litCount++;
      intensities.add(value);
      top = Math.min(top, row);
      left = Math.min(left, column);
      bottom = Math.max(bottom, row + 1);
      right = Math.max(right, column + 1);
    }
  }
  return { label: labels[index]!, box: Array.from(boxes!.subarray(index * 4, index * 4 + 4)), litExtent: [top, left, bottom, right], litCount, intensities };
}

const measured = Array.from({ length: shapes.numTrain }, (_, i) => measure(i));

describe('shapes', () => {
  it('describes itself as a 3-class dataset of [size, size, 1] images with boxes', () => {
    expect(shapes).toMatchObject({ name: 'shapes', task: 'classification', inputShape: [SIZE, SIZE, 1], numClasses: 3, numTrain: 900, numTest: 30 });
    expect(shapes.train.boxes).toHaveLength(900 * 4);
    expect(shapes.test.boxes).toHaveLength(30 * 4);
  });

  it('draws the classes uniformly (300 each +- 5 sigma, sigma = sqrt(900 * 1/3 * 2/3) = 14.1)', () => {
    const counts = [0, 1, 2].map((label) => measured.filter((m) => m.label === label).length);
    for (const count of counts) expect(Math.abs(count - 300)).toBeLessThan(5 * 14.1);
  });

  it('boxes are squares of 30%..80% of the side inside the image, and every lit pixel is inside its box', () => {
    for (const { label, box, litExtent, litCount } of measured) {
      const [yMin, xMin, yMax, xMax] = box as [number, number, number, number];
      expect(yMin).toBeGreaterThanOrEqual(0);
      expect(xMax).toBeLessThanOrEqual(1);
      expect(yMax - yMin).toBeCloseTo(xMax - xMin, 6);
      expect(yMax - yMin).toBeGreaterThanOrEqual(0.3 - 1e-6);
      expect(yMax - yMin).toBeLessThanOrEqual(0.8 + 1e-6);
      expect(litCount).toBeGreaterThan(0);
      // Lit pixel centres are inside the box, so lit pixel edges are at most half a pixel outside it. The
      // shape touches all four box edges, and some pixel centre is within half a pixel of the touching point
      // along the edge, so lit edges are at most one pixel inside, except at the triangle's apex: there
      // the half-width is (depth below the apex) / 2, so a centre up to 0.5 px off-axis is lit only from a
      // depth of 1 px, and the lit top edge can be up to 1.5 px inside.
      const boxInPixels = box.map((v) => v * SIZE);
      litExtent.forEach((edge, k) => {
        const inward = k < 2 ? edge - boxInPixels[k]! : boxInPixels[k]! - edge;
        expect(inward).toBeGreaterThanOrEqual(-0.5);
        expect(inward).toBeLessThanOrEqual(label === 2 && k === 0 ? 1.5 : 1);
      });
    }
  });

  it('fills its box as each shape should: circle pi/4, square 1, triangle 1/2 (class means, +- 0.04)', () => {
    const expectedFill = [Math.PI / 4, 1, 0.5];
    for (const label of [0, 1, 2]) {
      const ofClass = measured.filter((m) => m.label === label);
      const meanFill = ofClass.reduce((sum, m) => sum + m.litCount / ((m.box[2]! - m.box[0]!) * SIZE) ** 2, 0) / ofClass.length;
      expect(Math.abs(meanFill - expectedFill[label]!)).toBeLessThan(0.04);
    }
  });

  it('paints each shape in one intensity in [0.5, 1]', () => {
    for (const { intensities } of measured) {
      expect(intensities.size).toBe(1);
      const [value] = intensities;
      expect(value).toBeGreaterThanOrEqual(0.5);
      expect(value).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic per seed, differs across seeds, and test differs from train', () => {
    const again = makeShapesDataset({ imageSize: SIZE, numTrain: 900, numTest: 30, seed: 5 });
    expect(sameValues(again.train.inputs, shapes.train.inputs)).toBe(true);
    expect(sameValues(again.test.boxes!, shapes.test.boxes!)).toBe(true);
    const other = makeShapesDataset({ imageSize: SIZE, numTrain: 30, numTest: 30, seed: 6 });
    expect(other.train.boxes).not.toEqual(shapes.train.boxes!.subarray(0, 120));
    expect(shapes.test.boxes).not.toEqual(shapes.train.boxes!.subarray(0, 120));
  });

  it('rejects sizes below 8 and empty splits', () => {
    expect(() => makeShapesDataset({ imageSize: 7 })).toThrow(/shapes.imageSize must be an integer >= 8, got 7/);
    expect(() => makeShapesDataset({ numTest: 0 })).toThrow(/shapes.numTest/);
  });
});
