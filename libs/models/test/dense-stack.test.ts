// The dense-stack step (src/dense-stack/): which models take it, and that its loss, gradient and ready hooks are
// the tfjs engine's bit for bit. The reference is the same model run through the engine: tf.model() over the
// Sequential's own inputs and outputs shares its layers and weights but is not a Sequential, so computeGradients
// takes the engine path for it, on the same native BLAS. The weights are random, biases included, and the input
// has 784 features, so the products' inner dimension spans several of OpenBLAS's blocks (where the order in which
// a bias is added shows in the bits).

import type { NativeBlas } from '@ringtrain/native-blas';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeGradients, countParams, createModel, getFlatParams, setFlatParams } from '../src/index.js';
import { denseStackOf } from '../src/dense-stack/dense-stack.js';
import { useNativeBlas } from '../src/wasm-kernels/native-blas-in-use.js';
import { expectAllClose, normalValues, onCpuAndWasm, useBackend } from './helpers.js';
import { nativeBlasExpected, openedBlas } from './native-blas-helpers.js';

const INPUT = [28, 28, 1];
const CLASSES = 5;

function batch(n: number, seed: number): { xs: tf.Tensor; ys: tf.Tensor1D } {
  return { xs: tf.tensor(normalValues([n, ...INPUT], seed), [n, ...INPUT]), ys: tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 3 + seed) % CLASSES), 'int32') };
}

/** A zoo model with random weights and biases (N(0, 0.05²)); disposed by the caller. */
function randomModel(name: string, seed: number): tf.LayersModel {
  const model = createModel(name, { inputShape: INPUT, numClasses: CLASSES, seed });
  setFlatParams(model, normalValues([countParams(model)], seed).map((v) => v * 0.05));
  return model;
}

/** Every element the same as the expected one (Object.is: NaN equals NaN, 0 and -0 differ), without a 500 K-element diff. */
function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  let first = -1;
  for (let i = 0; i < actual.length && first < 0; i++) if (!Object.is(actual[i], expected[i])) first = i;
  expect(first < 0 ? 'all equal' : `element ${first}: ${actual[first]} instead of ${expected[first]}`).toBe('all equal');
}

/** The engine's answer for `model`: the same layers as a functional model. */
function engineGradients(model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor): { loss: number; grads: Float32Array } {
  const functional = tf.model({ inputs: model.inputs, outputs: model.outputs });
  expect(denseStackOf(functional, functional.trainableWeights)).toBeUndefined();
  const grads = new Float32Array(countParams(model));
  return { loss: computeGradients(functional, xs, ys, grads).loss, grads };
}

function stackGradients(model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor, lossScale = 1, onReady?: (index: number) => void): { loss: number; grads: Float32Array } {
  const grads = new Float32Array(countParams(model)).fill(Number.NaN);
  return { loss: computeGradients(model, xs, ys, grads, lossScale, onReady).loss, grads };
}

describe('denseStackOf', () => {
  beforeEach(() => useBackend('wasm'));
  const of = (model: tf.LayersModel) => denseStackOf(model, model.trainableWeights);
  const dense = (config: Omit<Parameters<typeof tf.layers.dense>[0], 'units'>) => tf.layers.dense({ ...config, units: 3 });

  it('takes the zoo models made of dense layers and no other', () => {
    const plan = (name: string) => of(createModel(name, { inputShape: INPUT, numClasses: CLASSES, seed: 1 }));
    const mlp = plan('mlp')!;
    expect(mlp.inputSize).toBe(784);
    expect(mlp.layers.map((l) => [l.inputs, l.units, l.relu, l.kernelIndex, l.biasIndex])).toEqual([
      [784, 512, true, 0, 1],
      [512, 256, true, 2, 3],
      [256, CLASSES, false, 4, 5],
    ]);
    expect(plan('linear')!.layers.map((l) => [l.inputs, l.units, l.relu])).toEqual([[784, CLASSES, false]]);
    expect(plan('cnn')).toBeUndefined();
  });

  it('takes a dense layer without bias, on vector inputs with or without an input layer', () => {
    expect(of(tf.sequential({ layers: [dense({ inputShape: [4], useBias: false })] }))?.layers.map((l) => [l.bias, l.biasIndex])).toEqual([[undefined, undefined]]);
    expect(of(tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [4] }), dense({})] }))?.inputSize).toBe(4);
  });

  it.each([
    ['another activation', () => tf.sequential({ layers: [dense({ inputShape: [4], activation: 'tanh' })] })],
    ['a dense layer on unflattened samples', () => tf.sequential({ layers: [dense({ inputShape: [2, 4] })] })],
    ['an input layer of unflattened samples', () => tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [1, 4] }), dense({})] })],
    // channelsFirst moves the channel axis last before flattening: the features are not in memory order.
    ['a channelsFirst flatten', () => tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 3, 4], dataFormat: 'channelsFirst' }), dense({})] })],
    // tfjs applies constraints when a weight is set through it; the in-place write would not.
    ['a kernel constraint', () => tf.sequential({ layers: [dense({ inputShape: [4], kernelConstraint: 'nonNeg' })] })],
    ['a bias constraint', () => tf.sequential({ layers: [dense({ inputShape: [4], biasConstraint: 'nonNeg' })] })],
    ['a functional model', () => {
      const input = tf.input({ shape: [4] });
      return tf.model({ inputs: input, outputs: dense({}).apply(input) as tf.SymbolicTensor });
    }],
  ])('refuses %s', (_, build) => {
    expect(of(build())).toBeUndefined();
  });

  it('follows a layer being frozen and unfrozen', () => {
    const model = createModel('mlp', { inputShape: INPUT, numClasses: CLASSES, seed: 1 });
    expect(of(model)).toBeDefined();
    model.layers[1]!.trainable = false;
    expect(of(model)).toBeUndefined();
    model.layers[1]!.trainable = true;
    expect(of(model)?.layers).toHaveLength(3);
  });
});

describe.skipIf(!openedBlas.ok && !nativeBlasExpected)('computeGradients on a dense stack with the native BLAS', () => {
  const blas = (openedBlas as { blas: NativeBlas }).blas;
  beforeEach(async () => {
    await useBackend('wasm');
    useNativeBlas(blas);
  });
  afterEach(() => useNativeBlas(undefined));

  it.each(['mlp', 'linear'])("%s: the engine path's loss and gradient bit for bit, without a tfjs kernel or a tensor left", async (name) => {
    const model = randomModel(name, 2);
    const { xs, ys } = batch(16, 3);
    const reference = engineGradients(model, xs, ys);
    const tensors = tf.memory().numTensors;
    let result: { loss: number; grads: Float32Array } | undefined;
    const profile = await tf.profile(() => {
      result = stackGradients(model, xs, ys);
    });
    expect(profile.kernels).toHaveLength(0);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(result!.loss).toBe(reference.loss);
    expectSameValues(result!.grads, reference.grads);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('gives NaN where the engine does: a NaN input is a NaN loss, not one a ReLU hides', () => {
    const model = randomModel('mlp', 3);
    const values = normalValues([4, ...INPUT], 4);
    values[5] = Number.NaN;
    const xs = tf.tensor(values, [4, ...INPUT]);
    const ys = tf.tensor1d([0, 1, 2, 3], 'int32');
    const reference = engineGradients(model, xs, ys);
    const result = stackGradients(model, xs, ys);
    expect(reference.loss).toBeNaN();
    expect(result.loss).toBeNaN();
    expect(Array.from(result.grads, Number.isNaN)).toEqual(Array.from(reference.grads, Number.isNaN));
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('scales by lossScale exactly (a power of two) and reports the unscaled loss', () => {
    const model = randomModel('mlp', 2);
    const { xs, ys } = batch(8, 4);
    const whole = stackGradients(model, xs, ys);
    const quarter = stackGradients(model, xs, ys, 0.25);
    expect(quarter.loss).toBe(whole.loss);
    expectSameValues(quarter.grads, whole.grads.map((g) => g * 0.25));
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('calls onReady once per weight, last layer first, bias before kernel, each gradient written by then', () => {
    const model = randomModel('mlp', 2);
    const { xs, ys } = batch(8, 5);
    const sizes = model.trainableWeights.map((w) => w.shape.reduce((a: number, b) => a * (b ?? 1), 1));
    const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const segment = (values: Float32Array, index: number) => values.subarray(starts[index], starts[index]! + sizes[index]!);
    const order: number[] = [];
    const atReady: Float32Array[] = [];
    const grads = new Float32Array(countParams(model)).fill(Number.NaN);
    computeGradients(model, xs, ys, grads, 1, (index) => {
      order.push(index);
      atReady[index] = segment(grads, index).slice();
    });
    expect(order).toEqual([5, 4, 3, 2, 1, 0]);
    atReady.forEach((values, index) => expectSameValues(values, segment(grads, index)));
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('handles a smaller batch after a larger one and a larger after that, as the engine does', () => {
    const model = randomModel('mlp', 2);
    for (const [n, seed] of [[12, 6], [5, 7], [20, 8]] as const) {
      const { xs, ys } = batch(n, seed);
      const reference = engineGradients(model, xs, ys);
      const result = stackGradients(model, xs, ys);
      expect(result.loss).toBe(reference.loss);
      expectSameValues(result.grads, reference.grads);
      tf.dispose([xs, ys]);
    }
    model.dispose();
  });

  it('leaves a batch of another shape to the engine, which names the mismatch', () => {
    const model = createModel('mlp', { inputShape: INPUT, numClasses: CLASSES, seed: 2 });
    const xs = tf.zeros([4, 784]);
    const ys = tf.tensor1d([0, 1, 2, 3], 'int32');
    expect(() => computeGradients(model, xs, ys, new Float32Array(countParams(model)))).toThrow(/incompatible with layer flatten/);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});

describe.skipIf(!openedBlas.ok && !nativeBlasExpected)('setFlatParams on a dense stack', () => {
  const blas = (openedBlas as { blas: NativeBlas }).blas;
  afterEach(() => useNativeBlas(undefined));
  const paramCount = 534_533; // mlp on 784 inputs, 5 classes: 784·512 + 512 + 512·256 + 256 + 256·5 + 5
  const params = (seed: number) => normalValues([paramCount], seed).map((v) => v * 0.05);
  const xsValues = () => normalValues([4, ...INPUT], 10);
  const dataIds = (model: tf.LayersModel) => model.trainableWeights.map((w) => w.read().dataId);

  /** The mlp's prediction for a fixed batch after `writes` (each predicted after), and how many tensors the last write kept. */
  const predictAfterWrites = (writes: Float32Array[]) => {
    const model = createModel('mlp', { inputShape: INPUT, numClasses: CLASSES, seed: 2 });
    expect(countParams(model)).toBe(paramCount);
    const xs = tf.tensor(xsValues(), [4, ...INPUT]);
    let kept = 0;
    for (const values of writes) {
      const before = dataIds(model);
      setFlatParams(model, values);
      kept = dataIds(model).filter((id, i) => id === before[i]).length;
      tf.dispose(model.predict(xs) as tf.Tensor);
    }
    const out = tf.tidy(() => (model.predict(xs) as tf.Tensor).dataSync() as Float32Array);
    const read = getFlatParams(model);
    tf.dispose(xs);
    model.dispose();
    return { out, read, kept };
  };

  it('writes in place once it has made the tensors itself, and predictions use the new values', async () => {
    const writes = [params(11), params(12), params(13)];
    const { cpu, wasm } = await onCpuAndWasm(() => {
      if (tf.getBackend() === 'wasm') useNativeBlas(blas);
      return predictAfterWrites(writes);
    });
    expect(wasm.kept).toBe(6);
    expectSameValues(wasm.read, writes[2]!);
    expectAllClose(wasm.out, cpu.out, 1e-5);
  });

  it('makes new tensors on XNNPACK, which keeps weights packed per tensor', async () => {
    await useBackend('wasm');
    const { kept } = predictAfterWrites([params(14), params(15)]);
    expect(kept).toBe(0);
  });

  it('makes new tensors after the BLAS setting changed: XNNPACK may have packed the old ones', async () => {
    await useBackend('wasm');
    useNativeBlas(blas);
    const model = createModel('mlp', { inputShape: INPUT, numClasses: CLASSES, seed: 2 });
    const xs = tf.tensor(xsValues(), [4, ...INPUT]);
    setFlatParams(model, params(16));
    useNativeBlas(undefined);
    tf.dispose(model.predict(xs) as tf.Tensor); // XNNPACK packs these weights
    useNativeBlas(blas);
    const before = dataIds(model);
    const last = params(17);
    setFlatParams(model, last);
    expect(dataIds(model).filter((id, i) => id === before[i])).toHaveLength(0);
    useNativeBlas(undefined);
    const out = tf.tidy(() => (model.predict(xs) as tf.Tensor).dataSync() as Float32Array);
    const reference = createModel('mlp', { inputShape: INPUT, numClasses: CLASSES, seed: 3 });
    setFlatParams(reference, last);
    expectSameValues(out, tf.tidy(() => (reference.predict(xs) as tf.Tensor).dataSync() as Float32Array));
    tf.dispose(xs);
    model.dispose();
    reference.dispose();
  });

  it('never writes through memory another tensor shares: a clone, or weights set from another model', async () => {
    await useBackend('wasm');
    useNativeBlas(blas);
    const a = createModel('mlp', { inputShape: INPUT, numClasses: CLASSES, seed: 2 });
    const b = createModel('mlp', { inputShape: INPUT, numClasses: CLASSES, seed: 3 });
    setFlatParams(b, params(18));
    b.setWeights(a.getWeights());
    const aBefore = getFlatParams(a);
    setFlatParams(b, params(19));
    expectSameValues(getFlatParams(a), aBefore);
    const clone = b.trainableWeights[0]!.read().clone();
    const cloneBefore = clone.dataSync().slice();
    setFlatParams(b, params(20));
    expectSameValues(clone.dataSync(), cloneBefore);
    expectSameValues(getFlatParams(b), params(20));
    tf.dispose(clone);
    a.dispose();
    b.dispose();
  });
});
