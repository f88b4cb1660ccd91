// The dense-stack step (src/dense-stack/): which models take it, and that its loss, gradient and ready hooks are
// the tfjs engine's. The reference is the same model run through the engine: tf.model() over the Sequential's own
// inputs and outputs shares its layers and weights but is not a Sequential, so computeGradients takes the engine
// path for it, on the same native BLAS.

import type { NativeBlas } from '@ringtrain/native-blas';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeGradients, countParams, createModel, getFlatParams, setFlatParams } from '../src/index.js';
import { denseStackOf } from '../src/dense-stack/dense-stack.js';
import { useNativeBlas } from '../src/wasm-kernels/native-blas-in-use.js';
import { expectAllClose, normalValues, onCpuAndWasm, useBackend } from './helpers.js';
import { nativeBlasExpected, openedBlas } from './native-blas-helpers.js';

const INPUT = [6, 6, 1];
const CLASSES = 5;

function batch(n: number, seed: number): { xs: tf.Tensor; ys: tf.Tensor1D } {
  return { xs: tf.tensor(normalValues([n, ...INPUT], seed), [n, ...INPUT]), ys: tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 3 + seed) % CLASSES), 'int32') };
}

/** The engine's answer for `model`: the same layers as a functional model. */
function engineGradients(model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor, lossScale = 1): { loss: number; grads: Float32Array } {
  const functional = tf.model({ inputs: model.inputs, outputs: model.outputs });
  expect(denseStackOf(functional, functional.trainableWeights)).toBeUndefined();
  const grads = new Float32Array(countParams(model));
  return { loss: computeGradients(functional, xs, ys, grads, lossScale).loss, grads };
}

function stackGradients(model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor, lossScale = 1, onReady?: (index: number) => void): { loss: number; grads: Float32Array } {
  const grads = new Float32Array(countParams(model)).fill(Number.NaN);
  return { loss: computeGradients(model, xs, ys, grads, lossScale, onReady).loss, grads };
}

describe('denseStackOf', () => {
  beforeEach(() => useBackend('wasm'));

  it('takes the zoo models made of dense layers and no other', () => {
    const plan = (name: string) => {
      const model = createModel(name, { inputShape: INPUT, numClasses: CLASSES, seed: 1 });
      return denseStackOf(model, model.trainableWeights);
    };
    const mlp = plan('mlp')!;
    expect(mlp.inputSize).toBe(36);
    expect(mlp.layers.map((l) => [l.inputs, l.units, l.relu, l.kernelIndex, l.biasIndex])).toEqual([
      [36, 512, true, 0, 1],
      [512, 256, true, 2, 3],
      [256, CLASSES, false, 4, 5],
    ]);
    expect(plan('linear')!.layers.map((l) => [l.inputs, l.units, l.relu])).toEqual([[36, CLASSES, false]]);
    expect(plan('cnn')).toBeUndefined();
  });

  it('refuses other activations, a dense layer on unflattened images, and models that are not Sequential', () => {
    const dense = (config: Omit<Parameters<typeof tf.layers.dense>[0], 'units'>) => tf.layers.dense({ ...config, units: 3 });
    const of = (model: tf.LayersModel) => denseStackOf(model, model.trainableWeights);
    expect(of(tf.sequential({ layers: [dense({ inputShape: [4], activation: 'tanh' })] }))).toBeUndefined();
    expect(of(tf.sequential({ layers: [dense({ inputShape: [4, 4] })] }))).toBeUndefined();
    const noBias = of(tf.sequential({ layers: [dense({ inputShape: [4], useBias: false })] }));
    expect(noBias?.layers.map((l) => [l.bias, l.biasIndex])).toEqual([[undefined, undefined]]);
    const input = tf.input({ shape: [4] });
    expect(of(tf.model({ inputs: input, outputs: dense({}).apply(input) as tf.SymbolicTensor }))).toBeUndefined();
  });

  it('follows a layer being frozen and unfrozen', () => {
    const model = createModel('mlp', { inputShape: INPUT, numClasses: CLASSES, seed: 1 });
    expect(denseStackOf(model, model.trainableWeights)).toBeDefined();
    model.layers[1]!.trainable = false;
    expect(denseStackOf(model, model.trainableWeights)).toBeUndefined();
    model.layers[1]!.trainable = true;
    expect(denseStackOf(model, model.trainableWeights)?.layers).toHaveLength(3);
  });
});

describe.skipIf(!openedBlas.ok && !nativeBlasExpected)('computeGradients on a dense stack with the native BLAS', () => {
  const blas = (openedBlas as { blas: NativeBlas }).blas;
  beforeEach(async () => {
    await useBackend('wasm');
    useNativeBlas(blas);
  });
  afterEach(() => useNativeBlas(undefined));

  it.each(['mlp', 'linear'])('%s: the engine path\'s loss and gradient, without running a tfjs kernel or leaving a tensor', async (name) => {
    const model = createModel(name, { inputShape: INPUT, numClasses: CLASSES, seed: 2 });
    const { xs, ys } = batch(16, 3);
    const reference = engineGradients(model, xs, ys);
    const tensors = tf.memory().numTensors;
    let result: { loss: number; grads: Float32Array } | undefined;
    const profile = await tf.profile(() => {
      result = stackGradients(model, xs, ys);
    });
    expect(profile.kernels).toHaveLength(0);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(result!.loss).toBeCloseTo(reference.loss, 6);
    expectAllClose(result!.grads, reference.grads, 1e-6);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('scales by lossScale exactly (a power of two) and reports the unscaled loss', () => {
    const model = createModel('mlp', { inputShape: INPUT, numClasses: CLASSES, seed: 2 });
    const { xs, ys } = batch(8, 4);
    const whole = stackGradients(model, xs, ys);
    const quarter = stackGradients(model, xs, ys, 0.25);
    expect(quarter.loss).toBe(whole.loss);
    expect(Array.from(quarter.grads)).toEqual(Array.from(whole.grads, (g) => g * 0.25));
    tf.dispose([xs, ys]);
  });

  it('calls onReady once per weight, last layer first, bias before kernel, each gradient written by then', () => {
    const model = createModel('mlp', { inputShape: INPUT, numClasses: CLASSES, seed: 2 });
    const { xs, ys } = batch(8, 5);
    const segments = model.trainableWeights.map((w) => w.shape.reduce((a: number, b) => a * (b ?? 1), 1));
    const starts = segments.map((_, i) => segments.slice(0, i).reduce((a, b) => a + b, 0));
    const order: number[] = [];
    const atReady: Float32Array[] = [];
    const grads = new Float32Array(countParams(model)).fill(Number.NaN);
    const seen = (index: number) => {
      order.push(index);
      atReady[index] = grads.slice(starts[index], starts[index]! + segments[index]!);
    };
    computeGradients(model, xs, ys, grads, 1, seen);
    expect(order).toEqual([5, 4, 3, 2, 1, 0]);
    atReady.forEach((values, index) => expect(values).toEqual(grads.subarray(starts[index], starts[index]! + segments[index]!)));
    tf.dispose([xs, ys]);
  });

  it('handles a smaller batch after a larger one and a larger after that, as fresh steps would', () => {
    const model = createModel('mlp', { inputShape: INPUT, numClasses: CLASSES, seed: 2 });
    for (const [n, seed] of [[12, 6], [5, 7], [20, 8]] as const) {
      const { xs, ys } = batch(n, seed);
      const reference = engineGradients(model, xs, ys);
      const result = stackGradients(model, xs, ys);
      expect(result.loss).toBeCloseTo(reference.loss, 6);
      expectAllClose(result.grads, reference.grads, 1e-6);
      tf.dispose([xs, ys]);
    }
  });

  it('leaves a batch of another shape to the engine, which names the mismatch', () => {
    const model = createModel('mlp', { inputShape: INPUT, numClasses: CLASSES, seed: 2 });
    const xs = tf.zeros([4, 36]);
    const ys = tf.tensor1d([0, 1, 2, 3], 'int32');
    expect(() => computeGradients(model, xs, ys, new Float32Array(countParams(model)))).toThrow(/incompatible with layer flatten/);
    tf.dispose([xs, ys]);
  });
});

describe.skipIf(!openedBlas.ok && !nativeBlasExpected)('setFlatParams on a dense stack', () => {
  const blas = (openedBlas as { blas: NativeBlas }).blas;
  afterEach(() => useNativeBlas(undefined));

  /** The mlp's output for a fixed batch after its weights were set to `params` (having predicted once before). */
  const predictAfterSet = (params: Float32Array) => {
    const model = createModel('mlp', { inputShape: INPUT, numClasses: CLASSES, seed: 2 });
    const xs = tf.tensor(normalValues([4, ...INPUT], 10), [4, ...INPUT]);
    tf.dispose(model.predict(xs) as tf.Tensor);
    const tensors = model.trainableWeights.map((w) => w.read().dataId);
    setFlatParams(model, params);
    const kept = model.trainableWeights.map((w) => w.read().dataId).filter((id, i) => id === tensors[i]).length;
    const out = tf.tidy(() => (model.predict(xs) as tf.Tensor).dataSync() as Float32Array);
    const read = getFlatParams(model);
    tf.dispose(xs);
    model.dispose();
    return { out, read, kept };
  };

  it('writes the weights in place with the native BLAS in use, and predictions use the new values', async () => {
    const params = normalValues([countParams(createModel('mlp', { inputShape: INPUT, numClasses: CLASSES }))], 11).map((v) => v * 0.05);
    const { cpu, wasm } = await onCpuAndWasm(() => {
      if (tf.getBackend() === 'wasm') useNativeBlas(blas);
      return predictAfterSet(params);
    });
    expect(wasm.kept).toBe(6);
    expect(wasm.read).toEqual(params);
    expectAllClose(wasm.out, cpu.out, 1e-5);
  });

  it('makes new tensors on XNNPACK, which keeps weights packed per tensor', async () => {
    await useBackend('wasm');
    const params = normalValues([countParams(createModel('mlp', { inputShape: INPUT, numClasses: CLASSES }))], 12).map((v) => v * 0.05);
    const { kept, read } = predictAfterSet(params);
    expect(kept).toBe(0);
    expect(read).toEqual(params);
  });
});
