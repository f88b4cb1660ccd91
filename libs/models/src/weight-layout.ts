// The flat view of a model: its weights laid end to end, in the order of model.trainableWeights (resp.
// nonTrainableWeights) - layer by layer as built, within a layer in creation order (kernel before bias, gamma
// before beta, moving mean before moving variance). Every rank builds the same architecture, so every rank gets
// the same layout, and a flat vector from rank 0 means the same weights everywhere.

import type * as tf from '@tensorflow/tfjs';

/** One weight tensor inside a flat vector (structurally an @ringtrain/optim ParamSegment, plus its name). */
export interface WeightSegment {
  /** Index of the tensor's first element in the flat vector. */
  offset: number;
  /** The tensor's shape, TF.js layout: Dense kernel [in, out], Conv2D kernel [kh, kw, in, out]. */
  shape: readonly number[];
  /** Layer and weight name, e.g. 'conv1/kernel', 'bn1/moving_mean': the same on every rank and in every process. */
  name: string;
}

/** The segments of `weights` laid end to end from offset 0. */
export function layoutOf(weights: readonly tf.LayerVariable[]): WeightSegment[] {
  let offset = 0;
  return weights.map((weight) => {
    const { shape, size } = weight.read();
    const segment = { offset, shape, name: weight.originalName };
    offset += size;
    return segment;
  });
}

/** Elements in the flat vector of `segments`. */
export function flatLength(segments: readonly WeightSegment[]): number {
  const last = segments.at(-1);
  return last === undefined ? 0 : last.offset + last.shape.reduce((product, dim) => product * dim, 1);
}
