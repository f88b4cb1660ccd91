// DepthwiseConv2dNativeBackpropInput for the wasm backend, which has none in tfjs 4.22. A depthwise conv with
// channel multiplier M convolves input channel c with M filters, output channel c·M + m:
//
//   y[n, o, c·M + m] = Σ_k xPadded[n, o·s + k, c] · w[k, c, m]            (one spatial dimension; the other alike)
//
// so, as for the full conv (conv2d-backprop-input.ts has the derivation), with z = dy with s − 1 zeros after every
// element, padded by K − 1 − top before and H + top − OH·s after:
//
//   dx[n, i, c] = Σ_m Σ_{k'} z[n, i + k', c·M + m] · w[K − 1 − k', c, m]
//
// The inner sum is a stride-1 depthwise conv of z with multiplier 1 and the flipped filter read as one filter per
// channel of dy ([KH, KW, C, M] -> [KH, KW, C·M, 1]: channel c·M + m holds w[·, ·, c, m]), which XNNPACK runs; the
// sum over m is one reduction over the innermost axis of its [N, H, W, C, M] view.
//
// Handled: stride ≥ 1, 'same', 'valid' and explicit padding of at most K − 1 before the input, dilation 1.
// Anything else throws an InvalidArgumentError naming the attribute.

import { InvalidArgumentError } from '@ringtrain/common';
import * as tf from '@tensorflow/tfjs';
import type { DepthwiseConv2dNativeBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { insertZeros } from './conv2d-backprop-input.js';
import { depthwiseConvInfo } from './depthwise-conv-info.js';
import { type KernelScope, WASM_BACKEND, withKernelScope } from './kernel-scope.js';

function depthwiseConv2dBackpropInput(scope: KernelScope, dy: TensorInfo, filter: TensorInfo, attrs: DepthwiseConv2dNativeBackpropInputAttrs): TensorInfo {
  const filterShape = filter.shape as [number, number, number, number];
  const info = depthwiseConvInfo(tf.DepthwiseConv2dNativeBackpropInput, attrs.inputShape, filterShape, attrs);
  const { batchSize, filterHeight, filterWidth, inHeight, inWidth, inChannels, outChannels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  if (top > filterHeight - 1 || left > filterWidth - 1) {
    throw new InvalidArgumentError(
      `${tf.DepthwiseConv2dNativeBackpropInput} on wasm supports at most ${filterHeight - 1} rows and ${filterWidth - 1} columns of padding before the input, got ${top} and ${left}`,
      { subject: 'pad' },
    );
  }
  const after = (inSize: number, padBefore: number, outSize: number, stride: number) => inSize + padBefore - outSize * stride;
  const bottom = after(inHeight, top, outHeight, strideHeight);
  const right = after(inWidth, left, outWidth, strideWidth);

  const z = insertZeros(scope, dy, strideHeight, strideWidth);
  // w[kh, kw, c, m] -> w[KH−1−kh, KW−1−kw, c·M + m, 0]
  const flipped = scope.run(tf.Reverse, { x: filter }, { dims: [0, 1] });
  const perChannel = scope.reshape(flipped, [filterHeight, filterWidth, outChannels, 1]);
  let dxPerChannel = scope.run(tf.DepthwiseConv2dNative, { x: z, filter: perChannel }, {
    strides: 1,
    dilations: 1,
    pad: [[0, 0], [filterHeight - 1 - top, Math.max(bottom, 0)], [filterWidth - 1 - left, Math.max(right, 0)], [0, 0]],
    dataFormat: 'NHWC',
  });
  if (bottom < 0 || right < 0) {
    dxPerChannel = scope.run(tf.Slice, { x: dxPerChannel }, { begin: [0, 0, 0, 0], size: [batchSize, inHeight, inWidth, outChannels] });
  }
  const multiplier = outChannels / inChannels;
  if (multiplier === 1) return dxPerChannel;
  const byMultiplier = scope.reshape(dxPerChannel, [batchSize, inHeight, inWidth, inChannels, multiplier]);
  return scope.run(tf.Sum, { x: byMultiplier }, { axis: [4], keepDims: false });
}

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) =>
  withKernelScope(backend, (scope) =>
    depthwiseConv2dBackpropInput(scope, inputs['dy']!, inputs['filter']!, attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs),
  );

export const depthwiseConv2dBackpropInputConfig: KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: WASM_BACKEND,
  kernelFunc,
};
