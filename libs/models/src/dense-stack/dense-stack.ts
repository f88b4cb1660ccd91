// Whether a model is a plain stack of dense layers - an optional flatten, then Dense layers with ReLU or no
// activation and no weight constraints, each feeding the next - and the shapes and weights of the stack if it
// is. Such a model (the zoo's `linear` and `mlp`) can train without the tfjs engine: dense-stack-gradients.ts.

import * as tf from '@tensorflow/tfjs';

/** One Dense layer of a stack: y = act(x · kernel + bias), x [N, inputs], kernel [inputs, units]. */
export interface DenseStackLayer {
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | undefined;
  /** Positions of the kernel and the bias in model.trainableWeights (the flat gradient's layout). */
  kernelIndex: number;
  biasIndex: number | undefined;
  inputs: number;
  units: number;
  relu: boolean;
}

export interface DenseStack {
  /** The shape of one sample, the model's input shape without the batch axis. */
  inputShape: number[];
  /** Features per sample: the product of inputShape. */
  inputSize: number;
  layers: DenseStackLayer[];
}

const ACTIVATIONS: ReadonlySet<string> = new Set(['relu', 'linear']);

/**
 * Whether `layer` hands the stack each sample's values as they lie in memory, as one row of inputSize: a Flatten
 * in tfjs's default order (channelsFirst transposes first), or the input layer of vector samples.
 */
function isFlatInput(layer: tf.layers.Layer | undefined, inputShape: readonly unknown[]): boolean {
  if (layer?.getClassName() === 'Flatten') return layer.getConfig()['dataFormat'] !== 'channelsFirst';
  return layer?.getClassName() === 'InputLayer' && inputShape.length === 1;
}

function denseLayerOf(layer: tf.layers.Layer, inputs: number, weights: readonly tf.LayerVariable[]): DenseStackLayer | undefined {
  if (layer.getClassName() !== 'Dense') return undefined;
  const config = layer.getConfig();
  const units = config['units'];
  const activation = config['activation'];
  if (typeof units !== 'number' || typeof activation !== 'string' || !ACTIVATIONS.has(activation)) return undefined;
  // tfjs applies a constraint whenever a weight is set through it; setFlatParams's in-place write would not.
  if (config['kernelConstraint'] != null || config['biasConstraint'] != null) return undefined;
  // A frozen layer has no trainable weights: its kernel would be read but get no gradient, which this path skips.
  const kernel = layer.trainableWeights.find((w) => w.shape.length === 2);
  const bias = layer.trainableWeights.find((w) => w.shape.length === 1);
  if (kernel === undefined || kernel.shape[0] !== inputs || kernel.shape[1] !== units || kernel.dtype !== 'float32') return undefined;
  if (config['useBias'] !== (bias !== undefined) || (bias !== undefined && (bias.shape[0] !== units || bias.dtype !== 'float32'))) return undefined;
  const biasIndex = bias === undefined ? undefined : weights.indexOf(bias);
  return { kernel, bias, kernelIndex: weights.indexOf(kernel), biasIndex, inputs, units, relu: activation === 'relu' };
}

function planOf(model: tf.LayersModel, weights: readonly tf.LayerVariable[]): DenseStack | undefined {
  if (!(model instanceof tf.Sequential) || model.inputs.length !== 1) return undefined;
  const inputShape = model.inputs[0]!.shape.slice(1);
  if (inputShape.some((dim) => dim === null)) return undefined;
  const inputSize = (inputShape as number[]).reduce((product, dim) => product * dim, 1);
  const layers = model.layers.slice();
  // Dense applies to the last axis only: on inputs of rank > 2 it needs the flatten in front.
  if (isFlatInput(layers[0], inputShape)) layers.shift();
  else if (inputShape.length !== 1) return undefined;
  const stack: DenseStackLayer[] = [];
  let width = inputSize;
  for (const layer of layers) {
    const dense = denseLayerOf(layer, width, weights);
    if (dense === undefined) return undefined;
    stack.push(dense);
    width = dense.units;
  }
  // Every trainable weight must be one the stack differentiates, or its gradient would never be written.
  const covered = stack.reduce((count, layer) => count + (layer.bias === undefined ? 1 : 2), 0);
  return stack.length > 0 && covered === weights.length ? { inputShape: inputShape as number[], inputSize, layers: stack } : undefined;
}

/** Whether `plan` still describes the model whose trainable weights are `weights`. */
function stillFits(plan: DenseStack, weights: readonly tf.LayerVariable[]): boolean {
  return plan.layers.every((layer) => weights[layer.kernelIndex] === layer.kernel && (layer.bias === undefined || weights[layer.biasIndex!] === layer.bias));
}

/** A model's plan, and how many trainable weights it had then: freezing or unfreezing a layer changes that count. */
const plans = new WeakMap<tf.LayersModel, { plan: DenseStack | undefined; weightCount: number }>();

/**
 * The model as a dense stack, or undefined when it is anything else. `weights` is model.trainableWeights. The plan
 * is cached per model (reading the layers' configs costs more than a small layer's step) and made again when the
 * trainable weights have changed.
 */
export function denseStackOf(model: tf.LayersModel, weights: readonly tf.LayerVariable[]): DenseStack | undefined {
  const cached = plans.get(model);
  if (cached !== undefined && cached.weightCount === weights.length && (cached.plan === undefined || stillFits(cached.plan, weights))) return cached.plan;
  const plan = planOf(model, weights);
  plans.set(model, { plan, weightCount: weights.length });
  return plan;
}
