// Conv2DBackpropInput for the wasm backend. tfjs 4.22 has one, but it is a plain C loop: ~1.6 GFLOP/s here, 420 ms
// for the input gradient of the cnn's second conv at batch 64, against 30 ms for that conv's forward pass through
// XNNPACK. The input gradient of a stride-s conv is a stride-1 forward conv, so this routes it through XNNPACK too.
//
// In one spatial dimension (the other is the same), with the forward conv y[o] = Σ_k xPadded[o·s + k] · w[k],
// xPadded[i] = x[i − top]:
//
//   dx[i] = Σ_{o, k : o·s + k = i + top} dy[o] · w[k]
//         = Σ_{k'} z[i + top − (K − 1) + k'] · w[K − 1 − k']             (k' = K − 1 − k)
//
// where z is dy with s − 1 zeros after every element (z[o·s] = dy[o], zero elsewhere, length OH·s) and z is zero
// outside [0, OH·s). That is a stride-1 correlation of z, padded by K − 1 − top before and H + top − OH·s after,
// with the filter flipped in space and its in/out channels swapped. The zeros are inserted with one PadV2 on a
// reshaped view ([N, OH, 1, OW, 1, C] padded to [N, OH, s_h, OW, s_w, C]); a negative "after" padding (the last
// elements of z are never reached) becomes zero padding and a slice of the surplus rows.
//
// Handled here: NHWC with padding before the input of at most K − 1 (always so for 'same' and 'valid'). Anything
// else goes to the original kernel. With a native BLAS in use (NHWC), the addon takes over instead
// (native-conv2d.ts): the same forward conv for stride 1, a GEMM and col2im otherwise.

import * as tf from '@tensorflow/tfjs';
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { type KernelScope, WASM_BACKEND, withKernelScope } from './kernel-scope.js';
import { nativeConv2D } from './native-conv2d.js';

/** dy with strideHeight − 1 zero rows after every row and strideWidth − 1 zero columns after every column. */
export function insertZeros(scope: KernelScope, dy: TensorInfo, strideHeight: number, strideWidth: number): TensorInfo {
  if (strideHeight === 1 && strideWidth === 1) return dy;
  const [batch, rows, columns, channels] = dy.shape as [number, number, number, number];
  const spread = scope.reshape(dy, [batch, rows, 1, columns, 1, channels]);
  const padded = scope.run(tf.PadV2, { x: spread }, {
    paddings: [[0, 0], [0, 0], [0, strideHeight - 1], [0, 0], [0, strideWidth - 1], [0, 0]],
    constantValue: 0,
  });
  return scope.reshape(padded, [batch, rows * strideHeight, columns * strideWidth, channels]);
}

function conv2dBackpropInput(scope: KernelScope, dy: TensorInfo, filter: TensorInfo, attrs: Conv2DBackpropInputAttrs): TensorInfo {
  const { strides, pad, dimRoundingMode, inputShape } = attrs;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
  const { batchSize, filterHeight, filterWidth, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const after = (inSize: number, padBefore: number, outSize: number, stride: number) => inSize + padBefore - outSize * stride;
  const bottom = after(inHeight, top, outHeight, strideHeight);
  const right = after(inWidth, left, outWidth, strideWidth);

  const z = insertZeros(scope, dy, strideHeight, strideWidth);
  // w[kh, kw, ci, co] -> w[KH−1−kh, KW−1−kw, co, ci]
  const flipped = scope.run(tf.Reverse, { x: filter }, { dims: [0, 1] });
  const swapped = scope.transpose(flipped, [0, 1, 3, 2]);
  const dx = scope.run(tf.Conv2D, { x: z, filter: swapped }, {
    strides: 1,
    dilations: 1,
    pad: [[0, 0], [filterHeight - 1 - top, Math.max(bottom, 0)], [filterWidth - 1 - left, Math.max(right, 0)], [0, 0]],
    dataFormat: 'NHWC',
  });
  if (bottom >= 0 && right >= 0) return dx;
  return scope.run(tf.Slice, { x: dx }, { begin: [0, 0, 0, 0], size: [batchSize, inHeight, inWidth, inChannels] });
}

function handles(filter: TensorInfo, attrs: Conv2DBackpropInputAttrs): boolean {
  if (attrs.dataFormat !== 'NHWC') return false;
  const [filterHeight, filterWidth] = filter.shape as [number, number, number, number];
  const { padInfo } = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  return padInfo.top <= filterHeight - 1 && padInfo.left <= filterWidth - 1;
}

/** The kernel config replacing `original` (the wasm backend's own Conv2DBackpropInput). */
export function conv2dBackpropInputConfig(original: KernelFunc): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
    const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad,
      attrs.dimRoundingMode, false, tf.backend_util.convertConv2DDataFormat(attrs.dataFormat));
    const native = nativeConv2D(args.backend, 'inputGradient', dy, filter, info);
    if (native !== undefined) return native;
    if (!handles(filter, attrs)) return original(args);
    return withKernelScope(args.backend, (scope) => conv2dBackpropInput(scope, dy, filter, attrs));
  };
  return { kernelName: tf.Conv2DBackpropInput, backendName: WASM_BACKEND, kernelFunc };
}
