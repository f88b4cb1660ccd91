// The ReLU's gradient in one pass on wasm when the native addon is in use. tfjs registers it as
// dy · cast(step(x)) - three kernels, three passes and two temporaries over the activation (3.5-8 ms per cnn conv
// block at batch 64). This module registers the same gradient with one more route: on wasm with the addon, a
// kernel (RingtrainReluGrad) that computes exactly that product in C (libs/native-blas/native/relu-grad.c, same
// bits, NaN and signed zeros included). Everywhere else the gradient is tfjs's own formula.

import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { WASM_BACKEND } from './kernel-scope.js';
import { nativeKernelsUsable, requireNativeBlas } from './native-blas-in-use.js';
import { computeOutput } from './wasm-memory.js';

export const RELU_GRAD_KERNEL = 'RingtrainReluGrad';

const reluGrad: KernelFunc = ({ inputs, backend }) => {
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  const blas = requireNativeBlas(RELU_GRAD_KERNEL);
  return computeOutput(backend, x.shape, (view, out) => blas.reluGrad({ dy: view(dy), x: view(x), dx: view(out) }));
};

export const reluGradKernelConfig: KernelConfig = { kernelName: RELU_GRAD_KERNEL, backendName: WASM_BACKEND, kernelFunc: reluGrad };

/** tfjs's Relu gradient (tfjs-core gradients/Relu_grad), with the one-pass route where it can run. */
export const reluGradientConfig: GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    const grad = dy as tf.Tensor;
    return { x: () => (nativeKernelsUsable(x, grad) ? (tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: grad, x }) as tf.Tensor) : tf.mul(grad, tf.cast(tf.step(x), 'float32'))) };
  },
};
