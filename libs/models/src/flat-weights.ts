// Reading and writing a model's weights as one Float32Array (layout in weight-layout.ts).
//
// Two flat vectors per model:
// - params: model.trainableWeights, what the optimizer updates and computeGradients differentiates;
// - state: model.nonTrainableWeights - the batchnorm moving means and variances of `cnn`, empty for `linear` and
//   `mlp`. They change in every training forward pass but get no gradient, so they must travel with the params
//   wherever the params do: the initial broadcast from rank 0, commits/rollbacks, checkpoints. Each rank's moving
//   statistics drift apart during training (each sees its own shard); they only affect evaluation, and a run that
//   wants one set broadcasts rank 0's (as DDP does with broadcast_buffers) or averages them with an all-reduce.

import { InvalidArgumentError } from '@ringtrain/common';
import * as tf from '@tensorflow/tfjs';
import { denseStackOf } from './dense-stack/dense-stack.js';
import { nativeBlasSetting, nativeKernelsUsable } from './wasm-kernels/native-blas-in-use.js';
import { float32View, tensorsCopyTheirValues } from './wasm-kernels/wasm-memory.js';
import { flatLength, layoutOf, type WeightSegment } from './weight-layout.js';

function readFlat(weights: readonly tf.LayerVariable[], out: Float32Array | undefined, subject: string): Float32Array {
  const segments = layoutOf(weights);
  const target = out ?? new Float32Array(flatLength(segments));
  checkLength(target, segments, subject);
  weights.forEach((weight, index) => {
    const value = weight.read();
    target.set(float32View(value) ?? (value.dataSync() as Float32Array), segments[index]!.offset);
  });
  return target;
}

function writeFlat(weights: readonly tf.LayerVariable[], flat: Float32Array, subject: string): void {
  const segments = layoutOf(weights);
  checkLength(flat, segments, subject);
  // The cpu backend keeps the array it is given as the tensor's storage, and the caller goes on changing `flat`
  // (the optimizer updates it in place): it gets a copy. wasm copies into its own memory anyway (the cnn's 2.4 M
  // parameters: 8.3 ms per step with the extra copy, 1.2 ms without; tools/kernel-profile.ts). Writing into a variable's wasm storage in
  // place saves the new tensors too, but XNNPACK operators keep weights packed per tensor and would go on using
  // the old values: only weights no XNNPACK operator sees are written in place (writeInPlace).
  const copies = tensorsCopyTheirValues();
  tf.tidy(() => {
    weights.forEach((weight, index) => {
      const { offset, shape } = segments[index]!;
      const size = shape.reduce((product, dim) => product * dim, 1);
      const values = copies ? flat.subarray(offset, offset + size) : flat.slice(offset, offset + size);
      weight.write(tf.tensor(values, [...shape], 'float32'));
    });
  });
}

function checkLength(flat: Float32Array, segments: readonly WeightSegment[], subject: string): void {
  const expected = flatLength(segments);
  if (flat.length !== expected) {
    throw new InvalidArgumentError(`${subject} has ${flat.length} elements, the model has ${expected}`, { subject });
  }
}

/** Layout of the trainable weights (for adaptive clipping, which needs each tensor's shape). */
export function paramSegments(model: tf.LayersModel): WeightSegment[] {
  return layoutOf(model.trainableWeights);
}

/** Number of trainable parameters: the length of the flat params and gradient vectors. */
export function countParams(model: tf.LayersModel): number {
  return flatLength(paramSegments(model));
}

/** Copies the trainable weights into `out` (allocated if not given) and returns it. */
export function getFlatParams(model: tf.LayersModel, out?: Float32Array): Float32Array {
  return readFlat(model.trainableWeights, out, 'params');
}

/** Overwrites the weights' values where the wasm backend keeps them: one copy, no new tensors (see setFlatParams). */
function writeInPlace(weights: readonly tf.LayerVariable[], flat: Float32Array, subject: string): void {
  const segments = layoutOf(weights);
  checkLength(flat, segments, subject);
  weights.forEach((weight, index) => {
    const { offset } = segments[index]!;
    const values = float32View(weight.read())!;
    values.set(flat.subarray(offset, offset + values.length));
  });
}

/** The weight tensors setFlatParams last made for a model, and the BLAS setting they were made under. */
const madeHere = new WeakMap<tf.LayersModel, { setting: number; dataIds: object[] }>();

/**
 * Whether the weights can be written in place: no XNNPACK operator may hold them packed (it would go on using the
 * old values) and no other tensor may share their memory (a clone, or the tensor a variable was assigned from). So:
 * a dense stack's weights, whose every product runs on the native BLAS, in training (dense-stack-gradients.ts) and
 * in inference (native-matmul.ts); tensors that setFlatParams made itself under the BLAS setting in force now; and
 * each the only user of its memory.
 */
function writableInPlace(model: tf.LayersModel, weights: readonly tf.LayerVariable[]): boolean {
  const made = madeHere.get(model);
  if (made === undefined || made.setting !== nativeBlasSetting() || !nativeKernelsUsable() || denseStackOf(model, weights) === undefined) return false;
  const backend = tf.backend();
  return weights.every((weight, index) => {
    const { dataId } = weight.read();
    return dataId === made.dataIds[index] && backend.refCount(dataId) === 1;
  });
}

/** Sets the trainable weights from a flat vector of countParams(model) elements (copied: `flat` stays the caller's). */
export function setFlatParams(model: tf.LayersModel, flat: Float32Array): void {
  const weights = model.trainableWeights;
  // Every step writes all parameters: in place that is one copy, with no tensors made and freed.
  if (writableInPlace(model, weights)) return writeInPlace(weights, flat, 'params');
  writeFlat(weights, flat, 'params');
  madeHere.set(model, { setting: nativeBlasSetting(), dataIds: weights.map((weight) => weight.read().dataId) });
}

/** Layout of the non-trainable state (batchnorm moving statistics); empty for models without any. */
export function stateSegments(model: tf.LayersModel): WeightSegment[] {
  return layoutOf(model.nonTrainableWeights);
}

/** Copies the non-trainable state into `out` (allocated if not given) and returns it. */
export function getFlatState(model: tf.LayersModel, out?: Float32Array): Float32Array {
  return readFlat(model.nonTrainableWeights, out, 'state');
}

/** Sets the non-trainable state from a flat vector laid out as stateSegments(model). */
export function setFlatState(model: tf.LayersModel, flat: Float32Array): void {
  writeFlat(model.nonTrainableWeights, flat, 'state');
}
