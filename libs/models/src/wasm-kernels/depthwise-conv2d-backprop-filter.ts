// DepthwiseConv2dNativeBackpropFilter for the wasm backend, which has none in tfjs 4.22. The filter gradient of a
// stride-s depthwise conv with channel multiplier M,
//
//   dW[kh, kw, c, m] = Σ_{n, oh, ow} xPadded[n, oh·s_h + kh, ow·s_w + kw, c] · dy[n, oh, ow, c·M + m],
//
// is itself a depthwise convolution once every (sample, channel) pair is made a channel of its own and dy becomes
// the filter, dilated by the stride (the full conv's version of this swap is in conv2d-backprop-filter.ts):
//
//   X'[0, h, w, n·C + c]   = x[n, h, w, c]                       (one image of N·C channels)
//   F'[oh, ow, n·C + c, m] = dy[n, oh, ow, c·M + m]              (an OH×OW filter, multiplier M, dilation (s_h, s_w))
//   out[0, kh, kw, (n·C + c)·M + m] = Σ_{oh, ow} X'[0, kh + oh·s_h, kw + ow·s_w, n·C + c] · F'[oh, ow, n·C + c, m]
//   dW[kh, kw, c, m] = Σ_n out[0, kh, kw, (n·C + c)·M + m]
//
// XNNPACK's depthwise convolution (the wasm DepthwiseConv2dNative kernel) does all the FLOPs; what is left is a
// reduction over N of a tensor the size of N filters. The original padding is the explicit padding of X'; as in
// conv2d-backprop-filter.ts, rows the forward conv never reached (stride > 1) are not padded, and when even the
// unpadded input is longer than the last window the surplus output rows are sliced off.
//
// Measured at x [64, 28, 28, 32], 3x3 'same', multiplier 1: ~100 ms (stride 1) and ~50 ms (stride 2), against ~10 ms
// for the forward conv. XNNPACK runs an OH×OW kernel over 2048 one-channel groups as a grouped GEMM whose output
// width (M = 1) is far below its register tile, so most of its lanes idle. The other route, one strided slice of
// x per tap times dy, summed, measured 150 ms (stride 1) and 790 ms (stride 2): the wasm StridedSlice is a
// JavaScript loop.
//
// Handled: stride ≥ 1, any padding, dilation 1; other dilations throw an InvalidArgumentError naming them.

import * as tf from '@tensorflow/tfjs';
import type { DepthwiseConv2dNativeBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { depthwiseConvInfo } from './depthwise-conv-info.js';
import { type KernelScope, WASM_BACKEND, withKernelScope } from './kernel-scope.js';

function depthwiseConv2dBackpropFilter(scope: KernelScope, x: TensorInfo, dy: TensorInfo, attrs: DepthwiseConv2dNativeBackpropFilterAttrs): TensorInfo {
  const info = depthwiseConvInfo(tf.DepthwiseConv2dNativeBackpropFilter, x.shape as [number, number, number, number], attrs.filterShape, attrs);
  const { batchSize, filterHeight, filterWidth, inHeight, inWidth, inChannels, outChannels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const multiplier = outChannels / inChannels;
  // Padding after the input so that the swapped conv's output is exactly KH (resp. KW) long; negative means the
  // forward conv never reached the input's last rows.
  const bottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - top;
  const right = filterWidth + (outWidth - 1) * strideWidth - inWidth - left;

  // [N, H, W, C] -> [H, W, N, C] -> [1, H, W, N·C]
  const samplesAsChannels = scope.reshape(scope.transpose(x, [1, 2, 0, 3]), [1, inHeight, inWidth, batchSize * inChannels]);
  // [N, OH, OW, C·M] -> [OH, OW, N, C·M] -> [OH, OW, N·C, M]
  const dyAsFilter = scope.reshape(scope.transpose(dy, [1, 2, 0, 3]), [outHeight, outWidth, batchSize * inChannels, multiplier]);
  let out = scope.run(tf.DepthwiseConv2dNative, { x: samplesAsChannels, filter: dyAsFilter }, {
    strides: 1,
    dilations: [strideHeight, strideWidth],
    pad: [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]],
    dataFormat: 'NHWC',
  });
  if (bottom < 0 || right < 0) {
    out = scope.run(tf.Slice, { x: out }, { begin: [0, 0, 0, 0], size: [1, filterHeight, filterWidth, batchSize * outChannels] });
  }
  // [1, KH, KW, N·C·M] -> [KH, KW, N, C·M], summed over N -> [KH, KW, C, M]
  const perSample = scope.reshape(out, [filterHeight, filterWidth, batchSize, outChannels]);
  const summed = scope.run(tf.Sum, { x: perSample }, { axis: [2], keepDims: false });
  return scope.reshape(summed, attrs.filterShape);
}

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) =>
  withKernelScope(backend, (scope) =>
    depthwiseConv2dBackpropFilter(scope, inputs['x']!, inputs['dy']!, attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs),
  );

export const depthwiseConv2dBackpropFilterConfig: KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: WASM_BACKEND,
  kernelFunc,
};
