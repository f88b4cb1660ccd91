// The forward depthwise convolution both depthwise gradient kernels start from, with the attributes they do not
// cover rejected up front (tfjs has no wasm kernel to hand them to).

import { InvalidArgumentError } from '@ringtrain/common';
import * as tf from '@tensorflow/tfjs';
import type { DepthwiseConv2dNativeBackpropInputAttrs } from '@tensorflow/tfjs';

type Shape4D = [number, number, number, number];

/** The attributes the two depthwise gradient kernels share (the filter one has filterShape, not inputShape). */
export type DepthwiseGradAttrs = Omit<DepthwiseConv2dNativeBackpropInputAttrs, 'inputShape'>;

/**
 * The Conv2DInfo of the forward depthwise conv of an NHWC input of `inShape` with a [KH, KW, C, M] filter.
 * Throws an InvalidArgumentError naming `dilations` unless every dilation is 1.
 */
export function depthwiseConvInfo(kernelName: string, inShape: Shape4D, filterShape: Shape4D, attrs: DepthwiseGradAttrs): tf.backend_util.Conv2DInfo {
  const dilations = attrs.dilations ?? 1;
  if (!tf.backend_util.tupleValuesAreOne(dilations)) {
    throw new InvalidArgumentError(`${kernelName} on wasm supports dilation 1 only, got dilations ${String(dilations)}`, { subject: 'dilations' });
  }
  return tf.backend_util.computeConv2DInfo(inShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, true);
}
