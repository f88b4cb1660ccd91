// Conv2DBackpropFilter for the wasm backend, which has none in tfjs 4.22: the filter gradient of a stride-s conv,
//
//   dW[kh, kw, ci, co] = Σ_{n, oh, ow} xPadded[n, oh·s_h + kh, ow·s_w + kw, ci] · dy[n, oh, ow, co],
//
// is itself a forward convolution once the roles are swapped: input channels become the batch, the batch becomes
// the channels, and dy becomes the filter, dilated by the stride:
//
//   X'[ci, h, w, n]   = x[n, h, w, ci]                       (the input, channels as batch)
//   F'[oh, ow, n, co] = dy[n, oh, ow, co]                    (an OH×OW filter, dilation (s_h, s_w))
//   out[ci, kh, kw, co] = Σ_{oh, ow, n} X'[ci, kh + oh·s_h, kw + ow·s_w, n] · F'[oh, ow, n, co] = dW[kh, kw, ci, co]
//
// so XNNPACK's convolution (the wasm Conv2D kernel) does all the FLOPs, with the original padding passed as the
// explicit padding of X'. That convolution's output is KH×KW when the padded input ends exactly at the last
// window; when the forward conv dropped a remainder (stride > 1, (H + pads − KH) mod s ≠ 0) the remainder rows are
// simply not padded, and when even the unpadded input is longer the surplus output rows are sliced off.
// The alternative, im2col (KH·KW shifted copies of x) and one matMul, measured slower here: the wasm backend's Slice
// and Concat copy row by row in JavaScript, and the patches matrix is KH·KW times the size of x. With a native BLAS
// in use (NHWC), im2col in C and the BLAS GEMM take over instead (native-conv2d.ts).

import * as tf from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { type KernelScope, WASM_BACKEND, withKernelScope } from './kernel-scope.js';
import { nativeConv2D } from './native-conv2d.js';

// Axis permutations into X' [C_in, H, W, N] and F' [OH, OW, N, C_out].
const INPUT_AS_BATCH = { NHWC: [3, 1, 2, 0], NCHW: [1, 2, 3, 0] } as const;
const DY_AS_FILTER = { NHWC: [1, 2, 0, 3], NCHW: [2, 3, 0, 1] } as const;

function convInfo(x: TensorInfo, { strides, pad, dataFormat, dimRoundingMode, filterShape }: Conv2DBackpropFilterAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
}

function conv2dBackpropFilter(scope: KernelScope, x: TensorInfo, dy: TensorInfo, dataFormat: 'NHWC' | 'NCHW', info: tf.backend_util.Conv2DInfo): TensorInfo {
  const { filterHeight, filterWidth, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  // Padding after the input so that the swapped conv's output is exactly KH (resp. KW) long; negative means the
  // forward conv never reached the input's last rows.
  const bottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - top;
  const right = filterWidth + (outWidth - 1) * strideWidth - inWidth - left;

  const inputAsBatch = scope.transpose(x, [...INPUT_AS_BATCH[dataFormat]]);
  const dyAsFilter = scope.transpose(dy, [...DY_AS_FILTER[dataFormat]]);
  let out = scope.run(tf.Conv2D, { x: inputAsBatch, filter: dyAsFilter }, {
    strides: 1,
    dilations: [strideHeight, strideWidth],
    pad: [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]],
    dataFormat: 'NHWC',
  });
  if (bottom < 0 || right < 0) {
    out = scope.run(tf.Slice, { x: out }, { begin: [0, 0, 0, 0], size: [inChannels, filterHeight, filterWidth, outChannels] });
  }
  // [C_in, KH, KW, C_out] -> the filter layout [KH, KW, C_in, C_out].
  return scope.transpose(out, [1, 2, 0, 3]);
}

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const convAttrs = attrs as unknown as Conv2DBackpropFilterAttrs;
  const info = convInfo(x, convAttrs);
  return (
    nativeConv2D(backend, 'filterGradient', x, dy, info) ??
    withKernelScope(backend, (scope) => conv2dBackpropFilter(scope, x, dy, convAttrs.dataFormat, info))
  );
};

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: WASM_BACKEND,
  kernelFunc,
};
