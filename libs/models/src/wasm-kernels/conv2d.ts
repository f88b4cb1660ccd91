// Conv2D (a convolution layer's forward pass) on the native BLAS when one is in use; tfjs's own wasm kernel
// (XNNPACK) otherwise.

import * as tf from '@tensorflow/tfjs';
import type { Conv2DAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { WASM_BACKEND } from './kernel-scope.js';
import { nativeConv2D } from './native-conv2d.js';

/** The kernel config replacing `original` (the wasm backend's own Conv2D). */
export function conv2dConfig(original: KernelFunc): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as Conv2DAttrs;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      strides,
      dilations,
      pad,
      dimRoundingMode,
      false,
      tf.backend_util.convertConv2DDataFormat(dataFormat),
    );
    return nativeConv2D(args.backend, 'forward', x, filter, info) ?? original(args);
  };
  return { kernelName: tf.Conv2D, backendName: WASM_BACKEND, kernelFunc };
}
