import { InvalidArgumentError } from '@ringtrain/common';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, getFlatParams, getFlatState, setFlatParams, setFlatState } from '../src/index.js';
import { useBackend } from './helpers.js';

beforeAll(() => useBackend('cpu'));

const iota = (length: number, start = 1) => Float32Array.from({ length }, (_, i) => start + i);

describe('flat params', () => {
  it('lay the weights end to end in layout order: kernel [in, out] row-major, then bias', () => {
    // linear on 3 features, 2 classes: kernel [[1, 2], [3, 4], [5, 6]], bias [7, 8].
    const model = createModel('linear', { inputShape: [3], numClasses: 2 });
    setFlatParams(model, iota(8));
    expect(getFlatParams(model)).toEqual(iota(8));
    // logits of x = [1, 0, -1]: [1 − 5 + 7, 2 − 6 + 8] = [3, 4]
    const logits = tf.tidy(() => (model.predict(tf.tensor2d([[1, 0, -1]])) as tf.Tensor).dataSync());
    expect(Array.from(logits)).toEqual([3, 4]);
  });

  it('copy the caller’s array: changing it afterwards does not change the model', () => {
    const model = createModel('linear', { inputShape: [3], numClasses: 2 });
    const flat = iota(8);
    setFlatParams(model, flat);
    flat.fill(0);
    expect(getFlatParams(model)).toEqual(iota(8));
  });

  it('fill a caller-provided buffer and return it', () => {
    const model = createModel('linear', { inputShape: [3], numClasses: 2 });
    const out = new Float32Array(8);
    setFlatParams(model, iota(8, 10));
    expect(getFlatParams(model, out)).toBe(out);
    expect(out).toEqual(iota(8, 10));
  });

  it('refuse a vector of another length', () => {
    const model = createModel('linear', { inputShape: [3], numClasses: 2 });
    expect(() => setFlatParams(model, new Float32Array(7))).toThrow(InvalidArgumentError);
    expect(() => setFlatParams(model, new Float32Array(7))).toThrow('params has 7 elements, the model has 8');
    expect(() => getFlatParams(model, new Float32Array(9))).toThrow('params has 9 elements, the model has 8');
  });

  it('leave no tensors behind', () => {
    const model = createModel('mlp', { inputShape: [6], numClasses: 3 });
    const flat = getFlatParams(model);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) setFlatParams(model, getFlatParams(model, flat));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('flat state (batchnorm moving statistics)', () => {
  it('round-trips and lands in the layers in layout order', () => {
    const model = createModel('cnn', { inputShape: [8, 8, 1], numClasses: 3 });
    const state = iota(128, 0.5);
    setFlatState(model, state);
    expect(getFlatState(model)).toEqual(state);
    const [, , movingMean, movingVariance] = model.getLayer('bn2').getWeights().map((w) => w.dataSync());
    expect(movingMean).toEqual(state.slice(64, 96));
    expect(movingVariance).toEqual(state.slice(96, 128));
  });

  it('is empty for models without batchnorm', () => {
    const model = createModel('mlp', { inputShape: [6], numClasses: 3 });
    expect(getFlatState(model)).toEqual(new Float32Array(0));
    setFlatState(model, new Float32Array(0));
    expect(() => setFlatState(model, new Float32Array(1))).toThrow('state has 1 elements, the model has 0');
  });
});

describe('on wasm (read from and copied into the wasm memory without a JavaScript copy)', () => {
  it('give the same flat params as the cpu backend, and keep the values set even when the caller changes its array', async () => {
    const roundTrip = () => {
      const model = createModel('cnn', { inputShape: [8, 8, 1], numClasses: 3, seed: 7 });
      const initial = getFlatParams(model);
      const flat = iota(initial.length);
      setFlatParams(model, flat);
      flat.fill(-1); // the model must not see this
      const result = { initial, after: getFlatParams(model), state: getFlatState(model) };
      model.dispose();
      return result;
    };
    await useBackend('cpu');
    const cpu = roundTrip();
    await useBackend('wasm');
    const wasm = roundTrip();
    expect(wasm.initial).toEqual(cpu.initial);
    expect(wasm.after).toEqual(iota(cpu.initial.length));
    expect(wasm.state).toEqual(cpu.state);
    await useBackend('cpu');
  });
});
