// One training step's gradient of a dense stack (dense-stack.ts) with softmax cross-entropy, computed with the
// native BLAS directly on the weights where the wasm backend keeps them, without the tfjs engine.
//
// Through tfjs the mlp's step is ~60 kernel calls (tf.profile) - the 11 GEMMs plus bias adds, ReLUs, their
// gradients, reshapes, identities and the gradient hooks' copies - each with the engine's bookkeeping (tape,
// scopes, tensor records): about a third of the step beyond the GEMMs. Here the same GEMMs run back to back on
// preallocated buffers and write each weight's gradient straight into the caller's flat vector. For layer l with
// input a [N, in], kernel W [in, units], bias b, output y = act(a·W + b), and G = ∂L/∂y:
//
//   forward:   y = act(a·W + b)                 one GEMM call, with the bias and the ReLU
//   dZ       = G ⊙ [y > 0]  (ReLU; G for linear)  (y > 0 exactly where a·W + b > 0: the step tfjs's Relu grad takes)
//   ∂L/∂b    = 1ᵀ·dZ                             (a GEMM with a row of ones, as the wasm kernels sum a bias gradient)
//   ∂L/∂W    = aᵀ·dZ                             (into the flat gradient at W's offset)
//   ∂L/∂a    = dZ·Wᵀ                             (not for the first layer: the input needs no gradient)
//
// and G of the last layer is the loss's, lossScale · (softmax − onehot) / N (softmax-cross-entropy.ts). Every
// product is one the engine path hands to the same BLAS (native-matmul.ts). While recording gradients tfjs fuses
// the bias and activation only into a linear layer's product and runs a ReLU layer as MatMul, Add and Relu; the
// addon's gemm rounds the product before it adds the bias and keeps NaN in its ReLU, as those kernels do, so one
// fused call per layer gives the engine's bits: the gradient and the loss are the engine path's bit for bit
// (test/dense-stack.test.ts), NaNs included.

import type { NativeBlas } from '@ringtrain/native-blas';
import type * as tf from '@tensorflow/tfjs';
import type { GradientReadyHook } from '../gradient-hooks.js';
import { softmaxCrossEntropy, softmaxCrossEntropyGradient } from '../softmax-cross-entropy.js';
import { float32View } from '../wasm-kernels/wasm-memory.js';
import type { DenseStack } from './dense-stack.js';

/** The buffers of a step with up to `rows` samples, kept between steps (the last batch of an epoch may be smaller). */
interface Scratch {
  rows: number;
  /** Each layer's output y. */
  outputs: Float32Array[];
  /** ∂L/∂y of each layer, then dZ in place. */
  gradients: Float32Array[];
  softmax: Float64Array;
  ones: Float32Array;
}

const scratches = new WeakMap<DenseStack, Scratch>();

function scratchFor(stack: DenseStack, rows: number): Scratch {
  const kept = scratches.get(stack);
  if (kept !== undefined && kept.rows >= rows) return kept;
  const classes = stack.layers[stack.layers.length - 1]!.units;
  const scratch: Scratch = {
    rows,
    outputs: stack.layers.map((layer) => new Float32Array(rows * layer.units)),
    gradients: stack.layers.map((layer) => new Float32Array(rows * layer.units)),
    softmax: new Float64Array(rows * classes),
    ones: new Float32Array(rows).fill(1),
  };
  scratches.set(stack, scratch);
  return scratch;
}

const PLAIN = { batch: 1, batchA: 1, batchB: 1 } as const;

/**
 * Writes lossScale · ∂L/∂θ of the stack into `out` (the flat gradient; `offsets` from paramSegments) and returns
 * the mean loss, L the mean softmax cross-entropy of the batch; calls `onReady` with each weight's index once its
 * gradient is written, last layers first. The caller has checked that `xs` [N, ...] is a float32 wasm tensor of
 * stack.inputSize values per sample and `labels` N class ids of the last layer's width.
 */
export function denseStackGradients(
  stack: DenseStack, blas: NativeBlas, xs: tf.Tensor, labels: Int32Array, out: Float32Array, offsets: readonly number[], lossScale: number, onReady?: GradientReadyHook,
): number {
  const n = xs.shape[0]!;
  const scratch = scratchFor(stack, n);
  const rowsOf = (buffers: Float32Array[], l: number) => buffers[l]!.subarray(0, n * stack.layers[l]!.units);
  // Views into the wasm memory: valid until its next allocation, and nothing below allocates there.
  const input = float32View(xs)!;
  const kernels = stack.layers.map((layer) => float32View(layer.kernel.read())!);
  const biases = stack.layers.map((layer) => (layer.bias === undefined ? null : float32View(layer.bias.read())!));

  const last = stack.layers.length - 1;
  stack.layers.forEach((layer, l) => {
    const a = l === 0 ? input : rowsOf(scratch.outputs, l - 1);
    blas.gemm({ ...PLAIN, a, b: kernels[l]!, c: rowsOf(scratch.outputs, l), bias: biases[l]!, m: n, n: layer.units, k: layer.inputs, transposeA: false, transposeB: false, relu: layer.relu });
  });
  const classes = stack.layers[last]!.units;
  const softmax = scratch.softmax.subarray(0, n * classes);
  const loss = softmaxCrossEntropy(rowsOf(scratch.outputs, last), labels, n, classes, softmax);
  softmaxCrossEntropyGradient(softmax, labels, n, classes, lossScale / n, rowsOf(scratch.gradients, last));

  for (let l = last; l >= 0; l--) {
    const layer = stack.layers[l]!;
    const dz = rowsOf(scratch.gradients, l);
    if (layer.relu) blas.reluGrad({ dy: dz, x: rowsOf(scratch.outputs, l), dx: dz });
    if (layer.biasIndex !== undefined) {
      const at = offsets[layer.biasIndex]!;
      blas.gemm({ ...PLAIN, a: scratch.ones.subarray(0, n), b: dz, c: out.subarray(at, at + layer.units), bias: null, m: 1, n: layer.units, k: n, transposeA: false, transposeB: false, relu: false });
      onReady?.(layer.biasIndex);
    }
    const a = l === 0 ? input : rowsOf(scratch.outputs, l - 1);
    const at = offsets[layer.kernelIndex]!;
    blas.gemm({ ...PLAIN, a, b: dz, c: out.subarray(at, at + layer.inputs * layer.units), bias: null, m: layer.inputs, n: layer.units, k: n, transposeA: true, transposeB: false, relu: false });
    onReady?.(layer.kernelIndex);
    if (l > 0) {
      blas.gemm({ ...PLAIN, a: dz, b: kernels[l]!, c: rowsOf(scratch.gradients, l - 1), bias: null, m: n, n: layer.inputs, k: layer.units, transposeA: false, transposeB: true, relu: false });
    }
  }
  return loss;
}
