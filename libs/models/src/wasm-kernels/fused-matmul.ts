// _FusedMatMul (a dense layer's forward product: x·W + bias, then the activation) on the native BLAS when one is in
// use and the activation is linear or ReLU; tfjs's own wasm kernel (XNNPACK) otherwise.

import * as tf from '@tensorflow/tfjs';
import type { _FusedMatMulAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { WASM_BACKEND } from './kernel-scope.js';
import { nativeProduct } from './native-matmul.js';

const NATIVE_ACTIVATIONS: ReadonlySet<string> = new Set(['linear', 'relu']);

/** The kernel config replacing `original` (the wasm backend's own _FusedMatMul). */
export function fusedMatMulConfig(original: KernelFunc): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const { transposeA, transposeB, activation } = args.attrs as unknown as _FusedMatMulAttrs;
    const native =
      preluActivationWeights == null && NATIVE_ACTIVATIONS.has(activation ?? 'linear')
        ? nativeProduct(args.backend, { a, b, transposeA, transposeB, bias: bias ?? undefined, relu: activation === 'relu' })
        : undefined;
    return native ?? original(args);
  };
  return { kernelName: tf._FusedMatMul, backendName: WASM_BACKEND, kernelFunc };
}
