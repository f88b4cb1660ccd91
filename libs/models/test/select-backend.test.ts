import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@ringtrain/common';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { gpuVisibility, installCommand, localWasmDirectory, selectBackend, type BackendName, type BackendProbes } from '../src/index.js';

/** Whether a package resolves from here (the tfjs-node packages are optional: absent in CI, maybe present on a GPU node). */
function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
const TFJS_NODE_INSTALLED = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');

const NO_GPU = () => ({ visible: false, detail: 'no NVIDIA GPU listed in /proc/driver/nvidia/gpus' });
const ONE_GPU = () => ({ visible: true, detail: '1 NVIDIA GPU(s) in /proc/driver/nvidia/gpus' });

/** An import that succeeds for `installed` packages, registering a stand-in 'tensorflow' backend as tfjs-node does. */
function importing(...installed: string[]): BackendProbes['importModule'] {
  return async (specifier) => {
    if (!installed.includes(specifier)) throw new Error(`Cannot find package '${specifier}'`);
    if (tf.findBackendFactory('tensorflow') === null) tf.registerBackend('tensorflow', () => new tf.MathBackendCPU());
  };
}

afterEach(() => {
  if (tf.findBackendFactory('tensorflow') !== null) tf.removeBackend('tensorflow');
});

describe('selectBackend', () => {
  it('activates cpu and wasm when asked', async () => {
    expect(await selectBackend('cpu')).toEqual({ name: 'cpu', reason: '--backend cpu: plain JavaScript kernels' });
    expect(tf.getBackend()).toBe('cpu');
    expect((await selectBackend('wasm')).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('loads the wasm binaries from node_modules', () => {
    expect(localWasmDirectory()).toMatch(/node_modules\/@tensorflow\/tfjs-backend-wasm\/dist\/$/);
  });

  it.skipIf(TFJS_NODE_INSTALLED)('auto: falls back to wasm without the tfjs-node packages, saying why', async () => {
    const { name, reason } = await selectBackend('auto', { gpuVisibility: NO_GPU });
    expect(name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(reason).toMatch(/^auto: no GPU \(no NVIDIA GPU listed in \/proc\/driver\/nvidia\/gpus\); @tensorflow\/tfjs-node cannot be loaded \(.+\); using wasm$/);
  });

  it('auto: takes tfjs-node-gpu when a GPU is visible and it loads', async () => {
    const probes = { gpuVisibility: ONE_GPU, importModule: importing('@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node') };
    expect(await selectBackend('auto', probes)).toEqual({
      name: 'tensorflow-gpu',
      reason: 'auto: 1 NVIDIA GPU(s) in /proc/driver/nvidia/gpus, @tensorflow/tfjs-node-gpu loaded',
    });
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it('auto: takes tfjs-node when there is no GPU, or tfjs-node-gpu is missing', async () => {
    const noGpu = await selectBackend('auto', { gpuVisibility: NO_GPU, importModule: importing('@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node') });
    expect(noGpu.name).toBe('tensorflow');
    const missing = await selectBackend('auto', { gpuVisibility: ONE_GPU, importModule: importing('@tensorflow/tfjs-node') });
    expect(missing).toEqual({
      name: 'tensorflow',
      reason:
        "auto: @tensorflow/tfjs-node-gpu cannot be loaded (Cannot find package '@tensorflow/tfjs-node-gpu'); @tensorflow/tfjs-node loaded",
    });
  });

  it.skipIf(TFJS_NODE_INSTALLED).each(['tensorflow', 'tensorflow-gpu'] as const)('%s requested but not installed: an error with the command to install it', async (backend) => {
    const attempt = selectBackend(backend, { gpuVisibility: ONE_GPU });
    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(selectBackend(backend, { gpuVisibility: ONE_GPU })).rejects.toThrow(
      `run: npm install --no-save @tensorflow/${backend === 'tensorflow' ? 'tfjs-node' : 'tfjs-node-gpu'}@${tf.version.tfjs}`,
    );
  });

  it('tensorflow-gpu requested without a visible GPU: used, with a warning in the reason', async () => {
    const { name, reason } = await selectBackend('tensorflow-gpu', { gpuVisibility: NO_GPU, importModule: importing('@tensorflow/tfjs-node-gpu') });
    expect(name).toBe('tensorflow-gpu');
    expect(reason).toBe(
      '--backend tensorflow-gpu: @tensorflow/tfjs-node-gpu (warning: no NVIDIA GPU listed in /proc/driver/nvidia/gpus, TensorFlow will fall back to the CPU)',
    );
  });

  it('rejects an unknown backend', async () => {
    await expect(selectBackend('webgpu' as BackendName)).rejects.toThrow("unknown backend 'webgpu', expected one of: auto, tensorflow-gpu, tensorflow, wasm, cpu");
  });

  it('pins the install command to the tfjs version in use', () => {
    expect(installCommand('tensorflow-gpu')).toBe('npm install --no-save @tensorflow/tfjs-node-gpu@4.22.0');
  });
});

describe('gpuVisibility', () => {
  const driverList = (gpus: number) => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ringtrain-gpus-')), 'gpus');
    mkdirSync(dir);
    for (let i = 0; i < gpus; i++) writeFileSync(join(dir, `0000:0${i}:00.0`), '');
    return dir;
  };

  it('counts the GPUs the NVIDIA driver lists', () => {
    const list = driverList(2);
    expect(gpuVisibility({}, list)).toEqual({ visible: true, detail: `2 NVIDIA GPU(s) in ${list}` });
    expect(gpuVisibility({ CUDA_VISIBLE_DEVICES: '1' }, list).visible).toBe(true);
  });

  it('sees none without the driver list, or when CUDA_VISIBLE_DEVICES hides them all', () => {
    expect(gpuVisibility({}, '/nonexistent/gpus')).toEqual({ visible: false, detail: 'no NVIDIA GPU listed in /nonexistent/gpus' });
    expect(gpuVisibility({}, driverList(0)).visible).toBe(false);
    expect(gpuVisibility({ CUDA_VISIBLE_DEVICES: '' }, driverList(1))).toEqual({ visible: false, detail: "CUDA_VISIBLE_DEVICES='' hides every GPU" });
    expect(gpuVisibility({ CUDA_VISIBLE_DEVICES: '-1' }, driverList(1)).visible).toBe(false);
  });
});
