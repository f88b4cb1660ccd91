import { InvalidArgumentError } from '@ringtrain/common';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { countParams, createModel, getFlatParams, getFlatState, MODEL_NAMES, paramSegments, stateSegments } from '../src/index.js';
import { layerSeed } from '../src/layer-initializers.js';
import { onCpuAndWasm, useBackend } from './helpers.js';

const MNIST = { inputShape: [28, 28, 1], numClasses: 10 };

beforeAll(() => useBackend('cpu'));

describe('createModel', () => {
  it('knows linear, mlp and cnn', () => {
    expect(MODEL_NAMES).toEqual(['linear', 'mlp', 'cnn']);
  });

  it('builds linear as one dense layer: 784·10 + 10 parameters on MNIST', () => {
    const model = createModel('linear', MNIST);
    expect(paramSegments(model)).toEqual([
      { offset: 0, shape: [784, 10], name: 'dense/kernel' },
      { offset: 7840, shape: [10], name: 'dense/bias' },
    ]);
    expect(countParams(model)).toBe(7850);
  });

  it('builds mlp as 784-512-256-10: 784·512+512 + 512·256+256 + 256·10+10 = 535818 parameters', () => {
    const model = createModel('mlp', MNIST);
    expect(paramSegments(model).map(({ name, shape }) => [name, shape])).toEqual([
      ['dense1/kernel', [784, 512]],
      ['dense1/bias', [512]],
      ['dense2/kernel', [512, 256]],
      ['dense2/bias', [256]],
      ['output/kernel', [256, 10]],
      ['output/bias', [10]],
    ]);
    expect(countParams(model)).toBe(535818);
    expect(stateSegments(model)).toEqual([]);
  });

  it('builds cnn as conv-bn-relu x2, pool, dense 512, dense 10 on 28x28x1', () => {
    // 26x26 after conv1, 24x24 after conv2, 12x12x32 = 4608 after pooling.
    // 3·3·1·32 + 2·32 + 3·3·32·32 + 2·32 + 4608·512+512 + 512·10+10 = 288+64+9216+64+2359808+5130 = 2374570
    const model = createModel('cnn', MNIST);
    expect(paramSegments(model).map(({ name, shape }) => [name, shape])).toEqual([
      ['conv1/kernel', [3, 3, 1, 32]],
      ['bn1/gamma', [32]],
      ['bn1/beta', [32]],
      ['conv2/kernel', [3, 3, 32, 32]],
      ['bn2/gamma', [32]],
      ['bn2/beta', [32]],
      ['dense/kernel', [4608, 512]],
      ['dense/bias', [512]],
      ['output/kernel', [512, 10]],
      ['output/bias', [10]],
    ]);
    expect(countParams(model)).toBe(2374570);
    expect(stateSegments(model)).toEqual([
      { offset: 0, shape: [32], name: 'bn1/moving_mean' },
      { offset: 32, shape: [32], name: 'bn1/moving_variance' },
      { offset: 64, shape: [32], name: 'bn2/moving_mean' },
      { offset: 96, shape: [32], name: 'bn2/moving_variance' },
    ]);
    // Moving statistics start at mean 0, variance 1.
    expect(Array.from(getFlatState(model))).toEqual([...Array(32).fill(0), ...Array(32).fill(1), ...Array(32).fill(0), ...Array(32).fill(1)]);
  });

  it('outputs numClasses logits, or targetSize values for regression (numClasses 0)', () => {
    const output = (numClasses: number, targetSize?: number) =>
      createModel('mlp', { inputShape: [5], numClasses, targetSize }).outputs[0]!.shape;
    expect(output(3)).toEqual([null, 3]);
    expect(output(0)).toEqual([null, 1]);
    expect(output(0, 4)).toEqual([null, 4]);
  });

  it('rejects an unknown name, listing the known ones', () => {
    expect(() => createModel('resnet50', MNIST)).toThrow(InvalidArgumentError);
    expect(() => createModel('resnet50', MNIST)).toThrow("unknown model 'resnet50', expected one of: linear, mlp, cnn");
    expect(() => createModel('toString', MNIST)).toThrow("unknown model 'toString'");
  });

  it('rejects options no model can be built for', () => {
    expect(() => createModel('linear', { inputShape: [], numClasses: 10 })).toThrow('inputShape must be a non-empty list of positive integers');
    expect(() => createModel('linear', { inputShape: [28, 0], numClasses: 10 })).toThrow('got [28, 0]');
    expect(() => createModel('linear', { inputShape: [4], numClasses: 1 })).toThrow('numClasses must be 0 (regression) or an integer of at least 2, got 1');
    expect(() => createModel('linear', { inputShape: [4], numClasses: 0, targetSize: 0 })).toThrow('targetSize must be a positive integer');
    expect(() => createModel('linear', { inputShape: [4], numClasses: 2, seed: -1 })).toThrow('--seed must be an integer in [0, 2^32), got -1');
    expect(() => createModel('cnn', { inputShape: [784], numClasses: 10 })).toThrow('the cnn model needs images [height, width, channels] of at least 6x6');
    expect(() => createModel('cnn', { inputShape: [5, 8, 1], numClasses: 10 })).toThrow('got inputShape [5, 8, 1]');
  });
});

describe('initialisation', () => {
  it('is a function of the seed alone: equal seeds give equal weights, on every backend', async () => {
    const { cpu, wasm } = await onCpuAndWasm(() => getFlatParams(createModel('cnn', { inputShape: [8, 8, 2], numClasses: 3, seed: 7 })));
    expect(wasm).toEqual(cpu);
    await useBackend('cpu');
    expect(getFlatParams(createModel('cnn', { inputShape: [8, 8, 2], numClasses: 3, seed: 7 }))).toEqual(cpu);
    expect(getFlatParams(createModel('cnn', { inputShape: [8, 8, 2], numClasses: 3, seed: 8 }))).not.toEqual(cpu);
  });

  it('gives every layer its own seed', () => {
    const seeds = Array.from({ length: 4 }, (_, layer) => layerSeed(0, layer));
    expect(new Set(seeds).size).toBe(4);
    expect(layerSeed(1, 0)).not.toBe(layerSeed(0, 1));
    // Two layers of the same kernel shape must not start equal: both cnn convs are [3,3,32,32] on 32 channels.
    const model = createModel('cnn', { inputShape: [8, 8, 32], numClasses: 2 });
    const [first, second] = [model.getLayer('conv1'), model.getLayer('conv2')].map((layer) => layer.getWeights()[0]!);
    expect(first!.shape).toEqual(second!.shape);
    expect(Array.from(first!.dataSync())).not.toEqual(Array.from(second!.dataSync()));
  });

  /** The largest |value| and the mean square of `values`. */
  const spread = (values: Float32Array | Int32Array | Uint8Array) => {
    let sumSquares = 0;
    let largest = 0;
    for (const value of values) {
      largest = Math.max(largest, Math.abs(value));
      sumSquares += value * value;
    }
    return { largest, meanSquare: sumSquares / values.length };
  };

  it('draws the mlp\'s kernels from Glorot-uniform U(±sqrt(6 / (fan_in + fan_out))) and zeroes biases', () => {
    const model = createModel('mlp', MNIST);
    const [kernel, bias] = model.getLayer('dense1').getWeights().map((w) => w.dataSync());
    // dense1 kernel [784, 512]: limit = sqrt(6 / 1296) = 0.068041; the variance of U(±a) is a²/3 = 1.54321e-3.
    const limit = Math.sqrt(6 / 1296);
    const { largest, meanSquare } = spread(kernel!);
    expect(largest).toBeLessThanOrEqual(limit);
    expect(largest).toBeGreaterThan(0.999 * limit);
    // 401,408 samples: x² of U(±a) has standard deviation a²·sqrt(4/45), so the mean square's standard error is
    // a²·0.298/sqrt(401408) = 2.2e-6 (0.14% of a²/3), inside toBeCloseTo's 5e-6 (the draw is seeded: the same every run).
    expect(meanSquare).toBeCloseTo((limit * limit) / 3, 5);
    expect(bias!.every((value) => value === 0)).toBe(true);
    tf.dispose(model.getWeights());
  });

  it('draws the cnn\'s kernels from fan-in-uniform U(±1 / sqrt(fan_in)), as PyTorch\'s nn.Linear and nn.Conv2d, and zeroes biases', () => {
    const model = createModel('cnn', MNIST);
    const [kernel, bias] = model.getLayer('dense').getWeights().map((w) => w.dataSync());
    // dense kernel [4608, 512]: limit = 1 / sqrt(4608) = 0.014731 (Glorot's would be sqrt(6 / 5120) = 0.034233);
    // the variance of U(±a) is a²/3 = 1 / 13824 = 7.2338e-5.
    const limit = 1 / Math.sqrt(4608);
    const { largest, meanSquare } = spread(kernel!);
    expect(largest).toBeLessThanOrEqual(limit);
    expect(largest).toBeGreaterThan(0.999 * limit);
    // 2.36 M samples: the mean square's standard error is a²·0.298/sqrt(2359296) = 4.2e-8 (0.06% of a²/3), well inside
    // toBeCloseTo's 5e-7; Glorot's a²/3 = 3.9e-4 would be far outside.
    expect(meanSquare).toBeCloseTo((limit * limit) / 3, 6);
    expect(bias!.every((value) => value === 0)).toBe(true);
    // conv1 kernel [3,3,1,32]: fan_in 3·3·1 = 9, limit 1/3; conv2 [3,3,32,32]: fan_in 288, limit 1/sqrt(288).
    for (const [name, fanIn] of [['conv1', 9], ['conv2', 288]] as const) {
      const conv = spread(model.getLayer(name).getWeights()[0]!.dataSync());
      expect(conv.largest).toBeLessThanOrEqual(1 / Math.sqrt(fanIn));
      expect(conv.largest).toBeGreaterThan(0.8 / Math.sqrt(fanIn));
    }
    tf.dispose(model.getWeights());
  });
});
