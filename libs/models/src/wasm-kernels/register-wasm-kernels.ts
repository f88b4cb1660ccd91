// The wasm backend of tfjs 4.22 is built for inference. For training it lacks Conv2DBackpropFilter (a cnn cannot
// train on it at all), and several kernels a backward pass leans on run as plain C or JavaScript loops instead of
// XNNPACK. Measured on the cnn at batch 64 (tools/kernel-profile.ts; whole steps: bench/step-bench.ts), per step:
//
//   Conv2DBackpropFilter   missing                      -> a swapped forward conv (conv2d-backprop-filter.ts)
//   Conv2DBackpropInput    C loop, ~420 ms              -> a forward conv, ~35 ms (conv2d-backprop-input.ts)
//   BatchMatMul transposed C loop, ~450 ms (dense 4608) -> transpose + XNNPACK, ~50 ms (batch-matmul.ts)
//   Tile                   C loop, ~200 ms              -> broadcasting Add, ~4 ms (tile.ts)
//   Sum/Mean leading axes  transpose first, ~110 ms     -> average pooling, ~10 ms (leading-axes-reduction.ts)
//   Identity               copies, ~20 ms               -> shares the buffer (identity.ts)
//   MaxPoolGrad            wasm C loop, 27-30 ms        -> one pass: JS 10-12 ms, C 2.5-4 ms (max-pool-grad.ts)
//
// With the native addon in use, the ReLU's gradient is one kernel instead of three (relu-gradient.ts).
//
// With a native BLAS in use (`--blas`), BatchMatMul and _FusedMatMul (dense layers, native-matmul.ts) and Conv2D
// with both its gradients (NHWC, native-conv2d.ts: im2col + GEMM) run on the BLAS, on the tensors in wasm memory.
//
// Every replacement hands what it does not cover to the original kernel. Nothing else the zoo's backward passes
// need is missing (checked by running them: the elementwise gradients exist). Depthwise
// convolutions have no wasm gradient kernels at all; both are added as forward depthwise convs
// (depthwise-conv2d-backprop-filter.ts, depthwise-conv2d-backprop-input.ts) for models outside the zoo.

import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { batchMatMulConfig } from './batch-matmul.js';
import { batchNormConfig, batchNormGradConfig } from './batch-norm-kernels.js';
import { conv2dConfig } from './conv2d.js';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseConv2dBackpropFilterConfig } from './depthwise-conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropInputConfig } from './depthwise-conv2d-backprop-input.js';
import { fusedMatMulConfig } from './fused-matmul.js';
import { identityConfig } from './identity.js';
import { WASM_BACKEND } from './kernel-scope.js';
import { meanConfig, sumConfig } from './leading-axes-reduction.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { reluGradientConfig, reluGradKernelConfig } from './relu-gradient.js';
import { tileConfig } from './tile.js';

// The kernel functions this module registered, so that registering twice is a no-op.
const registered = new Set<KernelFunc>();

function register(config: KernelConfig): void {
  registered.add(config.kernelFunc);
  tf.registerKernel(config);
}

/** Registers `config` unless the wasm backend already has a kernel of that name (tfjs's own, or this module's). */
function registerIfMissing(config: KernelConfig): void {
  if (tf.getKernel(config.kernelName, WASM_BACKEND) === undefined) register(config);
}

/**
 * Replaces the wasm backend's kernel `kernelName` with `replacement(original)`, once. The original's setup and
 * dispose functions move to the replacement: the backend runs them when it initialises (binding the original's
 * wasm export), which may be after this replacement.
 */
function replace(kernelName: string, replacement: (original: KernelFunc) => KernelConfig): void {
  const original = tf.getKernel(kernelName, WASM_BACKEND);
  if (original === undefined) throw new Error(`the wasm backend has no '${kernelName}' kernel`);
  if (registered.has(original.kernelFunc)) return;
  tf.unregisterKernel(kernelName, WASM_BACKEND);
  const { setupFunc, disposeFunc } = original;
  register({ ...replacement(original.kernelFunc), setupFunc, disposeFunc });
}

/**
 * Registers the training kernels on the wasm backend. Idempotent; needs the wasm backend's own kernels to be
 * registered already (importing @tensorflow/tfjs-backend-wasm does that).
 */
export function registerWasmTrainingKernels(): void {
  registerIfMissing(conv2dBackpropFilterConfig);
  registerIfMissing(batchNormConfig);
  registerIfMissing(batchNormGradConfig);
  registerIfMissing(reluGradKernelConfig);
  // The gradient registry is global; the replacement keeps tfjs's formula on every other backend (relu-gradient.ts).
  tf.registerGradient(reluGradientConfig);
  registerIfMissing(depthwiseConv2dBackpropFilterConfig);
  registerIfMissing(depthwiseConv2dBackpropInputConfig);
  replace(tf.Conv2D, conv2dConfig);
  replace(tf.Conv2DBackpropInput, conv2dBackpropInputConfig);
  replace(tf.BatchMatMul, batchMatMulConfig);
  replace(tf._FusedMatMul, fusedMatMulConfig);
  replace(tf.Tile, tileConfig);
  replace(tf.Sum, sumConfig);
  replace(tf.Mean, meanConfig);
  replace(tf.Identity, identityConfig);
  replace(tf.MaxPoolGrad, maxPoolGradConfig);
}
