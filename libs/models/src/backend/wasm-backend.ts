// The wasm backend, loaded from this installation's node_modules. tfjs-backend-wasm would otherwise look for its
// .wasm binaries next to the bundled script or on a CDN; ringtrain nodes may have no internet access, and a
// binary of another version would not match the JavaScript glue.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from '../wasm-kernels/register-wasm-kernels.js';

/** The folder holding tfjs-backend-wasm's .wasm binaries, with a trailing separator (setWasmPaths wants a prefix). */
export function localWasmDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}

let loaded: Promise<void> | undefined;

/**
 * Imports tfjs-backend-wasm (which registers the backend), points it at the local binaries and registers the
 * training kernels. Imported lazily: merely importing it makes 'wasm' the preferred backend, which a process
 * that chose another one should not be affected by.
 */
export function loadWasmBackend(): Promise<void> {
  loaded ??= import('@tensorflow/tfjs-backend-wasm').then((wasm) => {
    wasm.setWasmPaths(localWasmDirectory());
    registerWasmTrainingKernels();
  });
  return loaded;
}

/** Loads and activates the wasm backend; false if its binary cannot be instantiated here. */
export async function activateWasm(): Promise<boolean> {
  await loadWasmBackend();
  return tf.setBackend('wasm');
}
