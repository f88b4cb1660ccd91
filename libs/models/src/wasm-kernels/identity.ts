// Identity for the wasm backend, sharing the data instead of copying it. tfjs's engine clones every tensor a
// gradient will need (saveTensorsForBackwardMode) through this kernel; tfjs 4.22's wasm version copies the
// buffer each time - twenty activation-sized copies per cnn step, ~20 ms - where the cpu and webgl backends just
// take another reference. Tensors are immutable and every kernel writes to a fresh output, so a shared buffer is
// never written through (setFlatParams's in-place write checks that no other tensor holds the memory it writes);
// the reference count frees it with its last user.

import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { WASM_BACKEND } from './kernel-scope.js';

const kernelFunc: KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  (backend as KernelBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** The kernel config replacing the wasm backend's own Identity (which needs no setup, so nothing is kept of it). */
export const identityConfig = (): KernelConfig => ({ kernelName: tf.Identity, backendName: WASM_BACKEND, kernelFunc });
