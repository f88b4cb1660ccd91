// The three products of a 2-D convolution (forward, filter gradient, input gradient) on the host's BLAS when one
// is in use: im2col + GEMM in the addon (libs/native-blas/native/conv2d.c), reading and writing the tensors in the
// wasm memory. NHWC float32 only; the caller's kernel handles the rest.

import type { Conv2DPass } from '@ringtrain/native-blas';
import type { backend_util, TensorInfo } from '@tensorflow/tfjs';
import { nativeBlasInUse } from './native-blas-in-use.js';
import { computeOutput, sizeOf } from './wasm-memory.js';

/** The output shape of each pass, from the conv's geometry. */
const OUTPUT_SHAPE: Record<Conv2DPass, (info: backend_util.Conv2DInfo) => number[]> = {
  forward: (c) => [c.batchSize, c.outHeight, c.outWidth, c.outChannels],
  filterGradient: (c) => [c.filterHeight, c.filterWidth, c.inChannels, c.outChannels],
  inputGradient: (c) => [c.batchSize, c.inHeight, c.inWidth, c.inChannels],
};

/**
 * `pass` of the convolution `info` describes (tf.backend_util.computeConv2DInfo) on the native BLAS, as a new wasm
 * tensor: a = x (forward, filterGradient) or dy (inputGradient), b = the filter (forward, inputGradient) or dy
 * (filterGradient). Undefined when no BLAS is in use or the conv is not NHWC float32.
 */
export function nativeConv2D(backend: object, pass: Conv2DPass, a: TensorInfo, b: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo | undefined {
  const blas = nativeBlasInUse();
  if (blas === undefined || info.dataFormat !== 'channelsLast' || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  // Empty tensors go to the fallback: the addon's geometry check wants every size >= 1.
  if (sizeOf(a.shape) === 0 || sizeOf(b.shape) === 0) return undefined;
  const geometry = {
    n: info.batchSize, h: info.inHeight, w: info.inWidth, cin: info.inChannels,
    kh: info.filterHeight, kw: info.filterWidth, cout: info.outChannels, oh: info.outHeight, ow: info.outWidth,
    strideH: info.strideHeight, strideW: info.strideWidth, dilationH: info.dilationHeight, dilationW: info.dilationWidth,
    padTop: info.padInfo.top, padLeft: info.padInfo.left,
  };
  return computeOutput(backend, OUTPUT_SHAPE[pass](info), (view, out) => blas.conv2d({ pass, a: view(a), b: view(b), out: view(out), geometry }));
}
