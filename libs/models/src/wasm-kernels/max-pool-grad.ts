// MaxPoolGrad for the wasm backend. tfjs 4.22's runs in its wasm module but took 27-30 ms for the cnn's pool
// ([64, 24, 24, 32], 2x2, stride 2) - longer than the BLAS's conv gradients. This one walks the windows once, in
// JavaScript on views of the wasm memory: per window it finds, for all channels at once (NHWC keeps them
// contiguous), the first position holding the maximum, and adds dy there:
//
//   dx[n, r, c, d] = Σ over windows (n, yR, yC) whose first maximum of x[n, ·, ·, d] is at (r, c): dy[n, yR, yC, d]
//
// "First" in row-major window order with a strict >, starting from −∞: tfjs's cpu kernel (maxPoolPositions) and,
// for finite values, torch's max_pool2d pick the same position, which matters after a ReLU where a window is
// often all zeros (torch would pick a NaN, and an all −∞ window's first position). A
// window with no value above −∞ (all −∞ or NaN) passes no gradient, as in tfjs. Overlapping windows add up.
// With the native addon in use (`--blas`) the same pass runs in C (libs/native-blas/native/max-pool-grad.c),
// 2.5-4 ms instead of 10-15 (tools/kernel-profile.ts, cnn at batch 64).

import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs';
import { WASM_BACKEND } from './kernel-scope.js';
import { nativeBlasInUse } from './native-blas-in-use.js';
import { computeOutput } from './wasm-memory.js';

/** Per-channel running maximum and its position in x, reused across calls (grown when a layer has more channels). */
let maxValues = new Float32Array(0);
let maxPositions = new Int32Array(0);

function maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight, effectiveFilterWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  if (maxValues.length < channels) {
    maxValues = new Float32Array(channels);
    maxPositions = new Int32Array(channels);
  }
  dx.fill(0);
  let dyAt = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let yR = 0; yR < outHeight; yR++) {
      const rowCorner = yR * strideHeight - top;
      let rowStart = rowCorner;
      while (rowStart < 0) rowStart += dilationHeight;
      const rowEnd = Math.min(inHeight, rowCorner + effectiveFilterHeight);
      for (let yC = 0; yC < outWidth; yC++, dyAt += channels) {
        const columnCorner = yC * strideWidth - left;
        let columnStart = columnCorner;
        while (columnStart < 0) columnStart += dilationWidth;
        const columnEnd = Math.min(inWidth, columnCorner + effectiveFilterWidth);
        maxValues.fill(Number.NEGATIVE_INFINITY, 0, channels);
        maxPositions.fill(-1, 0, channels);
        for (let r = rowStart; r < rowEnd; r += dilationHeight) {
          for (let c = columnStart; c < columnEnd; c += dilationWidth) {
            const pixel = ((n * inHeight + r) * inWidth + c) * channels;
            for (let d = 0; d < channels; d++) {
              const value = x[pixel + d]!;
              if (value > maxValues[d]!) {
                maxValues[d] = value;
                maxPositions[d] = pixel + d;
              }
            }
          }
        }
        for (let d = 0; d < channels; d++) {
          const position = maxPositions[d]!;
          if (position >= 0) dx[position]! += dy[dyAt + d]!;
        }
      }
    }
  }
}

/** The kernel config replacing the wasm backend's own MaxPoolGrad (float32; anything else keeps `original`). */
export function maxPoolGradConfig(original: KernelFunc): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    if (input.dtype !== 'float32' || dy.dtype !== 'float32') return original(args);
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const native = nativeBlasInUse();
    return computeOutput(args.backend, input.shape, (view, out) => {
      // The addon's geometry check wants every size >= 1; the JS pass handles empty tensors.
      if (native === undefined || input.shape.includes(0)) {
        maxPoolGrad(view(input), view(dy), view(out), info);
        return;
      }
      native.maxPoolGrad({
        x: view(input),
        dy: view(dy),
        dx: view(out),
        geometry: {
          n: info.batchSize, h: info.inHeight, w: info.inWidth, c: info.inChannels, oh: info.outHeight, ow: info.outWidth,
          strideH: info.strideHeight, strideW: info.strideWidth, dilationH: info.dilationHeight, dilationW: info.dilationWidth,
          effectiveFilterH: info.effectiveFilterHeight, effectiveFilterW: info.effectiveFilterWidth,
          padTop: info.padInfo.top, padLeft: info.padInfo.left,
        },
      });
    });
  };
  return { kernelName: tf.MaxPoolGrad, backendName: WASM_BACKEND, kernelFunc };
}
