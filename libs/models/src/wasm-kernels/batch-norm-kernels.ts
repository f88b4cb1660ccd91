// Batch normalisation in training mode as two wasm-backend kernels for batch-norm-training.ts, computed by the
// native addon (libs/native-blas/native/batch-norm.c) on the tensors in wasm memory: 3 passes over the activation
// forward and 2 backward, where the composed tfjs ops take ~8 and ~10 (1-2 ms apiece on the cnn's [64, 26, 26, 32]).
// Used when a native BLAS is in use (`--blas`), which is when the addon is loaded.
//
//   RingtrainBatchNorm      (x, γ, β; ε)          -> y, μ, σ², 1/sqrt(σ² + ε)
//   RingtrainBatchNormGrad  (dy, x, μ, 1/σ̃, γ)    -> dx, ∂L/∂γ, ∂L/∂β

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { WASM_BACKEND } from './kernel-scope.js';
import { requireNativeBlas } from './native-blas-in-use.js';
import { computeOutputs } from './wasm-memory.js';

export const BATCH_NORM_KERNEL = 'RingtrainBatchNorm';
export const BATCH_NORM_GRAD_KERNEL = 'RingtrainBatchNormGrad';

const forward: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, gamma, beta } = inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
  const channels = x.shape[x.shape.length - 1]!;
  return computeOutputs(backend, [x.shape, [channels], [channels], [channels]], (view, outs) => {
    const [y, mean, variance, inverseStd] = outs.map(view) as [Float32Array, Float32Array, Float32Array, Float32Array];
    requireNativeBlas(BATCH_NORM_KERNEL).batchNormForward({ x: view(x), gamma: view(gamma), beta: view(beta), epsilon: attrs!['epsilon'] as number, y, mean, variance, inverseStd });
  });
};

const backward: KernelFunc = ({ inputs, backend }) => {
  const { dy, x, mean, inverseStd, gamma } = inputs as { dy: TensorInfo; x: TensorInfo; mean: TensorInfo; inverseStd: TensorInfo; gamma: TensorInfo };
  const channels = x.shape[x.shape.length - 1]!;
  return computeOutputs(backend, [x.shape, [channels], [channels]], (view, outs) => {
    const [dx, dGamma, dBeta] = outs.map(view) as [Float32Array, Float32Array, Float32Array];
    requireNativeBlas(BATCH_NORM_GRAD_KERNEL).batchNormBackward({ dy: view(dy), x: view(x), mean: view(mean), inverseStd: view(inverseStd), gamma: view(gamma), dx, dGamma, dBeta });
  });
};

export const batchNormConfig: KernelConfig = { kernelName: BATCH_NORM_KERNEL, backendName: WASM_BACKEND, kernelFunc: forward };
export const batchNormGradConfig: KernelConfig = { kernelName: BATCH_NORM_GRAD_KERNEL, backendName: WASM_BACKEND, kernelFunc: backward };
