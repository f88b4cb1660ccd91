// Which tfjs backend computes the forward and backward passes (`--backend`):
//
//   tensorflow-gpu  @tensorflow/tfjs-node-gpu: libtensorflow with CUDA
//   tensorflow      @tensorflow/tfjs-node: libtensorflow on the CPU (multithreaded, oneDNN)
//   wasm            @tensorflow/tfjs-backend-wasm: XNNPACK with SIMD, one thread in Node, plus ringtrain's
//                   training kernels (wasm-kernels/)
//   cpu             tfjs's plain JavaScript kernels, the slowest
//   auto            the first of those that works here, GPU only if one is visible
//
// The tfjs-node packages are optional and never dependencies of ringtrain: installing them downloads libtensorflow
// (~100 MB, several hundred with CUDA), which CI machines and wasm-only nodes should not pay. They are imported
// by a computed specifier, so nothing resolves them until a run asks for them.

import { InvalidArgumentError } from '@ringtrain/common';
import * as tf from '@tensorflow/tfjs';
import { gpuVisibility, type GpuVisibility } from './gpu-visibility.js';
import { activateWasm } from './wasm-backend.js';

export const BACKEND_NAMES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type ConcreteBackendName = Exclude<BackendName, 'auto'>;

export interface SelectedBackend {
  /** The backend in use. */
  name: ConcreteBackendName;
  /** Why this one: what was tried and what was found, one line for the log. */
  reason: string;
}

/** How selectBackend probes the machine; the defaults look at the real one. */
export interface BackendProbes {
  /** Imports an optional package by name (default: dynamic import). */
  importModule?: (specifier: string) => Promise<unknown>;
  /** Whether a GPU is visible (default: gpuVisibility()). */
  gpuVisibility?: () => GpuVisibility;
}

const NODE_PACKAGES = { 'tensorflow-gpu': '@tensorflow/tfjs-node-gpu', tensorflow: '@tensorflow/tfjs-node' } as const;
type NodeBackend = keyof typeof NODE_PACKAGES;

/** The command that installs the package behind `backend`, pinned to this tfjs version, without touching package.json. */
export function installCommand(backend: NodeBackend): string {
  return `npm install --no-save ${NODE_PACKAGES[backend]}@${tf.version.tfjs}`;
}

/** Imports the tfjs-node package of `backend` (registering tfjs's 'tensorflow' backend); the error if it is missing. */
async function importNodePackage(backend: NodeBackend, probes: BackendProbes): Promise<unknown> {
  const specifier: string = NODE_PACKAGES[backend];
  try {
    await (probes.importModule ?? ((name: string) => import(name)))(specifier);
    return undefined;
  } catch (error) {
    return error;
  }
}

const describe = (error: unknown) => (error instanceof Error ? error.message.split('\n')[0]! : String(error));

async function useNodeBackend(backend: NodeBackend, probes: BackendProbes): Promise<string | undefined> {
  const failure = await importNodePackage(backend, probes);
  if (failure !== undefined) return `${NODE_PACKAGES[backend]} cannot be loaded (${describe(failure)})`;
  if (!(await tf.setBackend('tensorflow'))) return `${NODE_PACKAGES[backend]} loaded but its backend failed to initialise`;
  return undefined;
}

async function explicit(requested: ConcreteBackendName, probes: BackendProbes): Promise<SelectedBackend> {
  if (requested === 'cpu') {
    await tf.setBackend('cpu');
    return { name: 'cpu', reason: '--backend cpu: plain JavaScript kernels' };
  }
  if (requested === 'wasm') {
    if (!(await activateWasm())) throw new InvalidArgumentError('--backend wasm: the WebAssembly backend failed to initialise', { subject: 'backend' });
    return { name: 'wasm', reason: '--backend wasm: XNNPACK kernels, binaries from node_modules' };
  }
  const failure = await useNodeBackend(requested, probes);
  if (failure !== undefined) {
    throw new InvalidArgumentError(
      `--backend ${requested}: ${failure}. It is optional and not installed with ringtrain; on a ${requested === 'tensorflow-gpu' ? 'GPU node (CUDA 11.2, cuDNN 8.1)' : 'node'} run: ${installCommand(requested)}`,
      { subject: 'backend' },
    );
  }
  const gpu = requested === 'tensorflow-gpu' ? (probes.gpuVisibility ?? gpuVisibility)() : undefined;
  const warning = gpu !== undefined && !gpu.visible ? ` (warning: ${gpu.detail}, TensorFlow will fall back to the CPU)` : '';
  return { name: requested, reason: `--backend ${requested}: ${NODE_PACKAGES[requested]}${warning}` };
}

async function auto(probes: BackendProbes): Promise<SelectedBackend> {
  const skipped: string[] = [];
  const gpu = (probes.gpuVisibility ?? gpuVisibility)();
  if (gpu.visible) {
    const failure = await useNodeBackend('tensorflow-gpu', probes);
    if (failure === undefined) return { name: 'tensorflow-gpu', reason: `auto: ${gpu.detail}, ${NODE_PACKAGES['tensorflow-gpu']} loaded` };
    skipped.push(failure);
  } else {
    skipped.push(`no GPU (${gpu.detail})`);
  }
  const failure = await useNodeBackend('tensorflow', probes);
  if (failure === undefined) return { name: 'tensorflow', reason: `auto: ${[...skipped, `${NODE_PACKAGES.tensorflow} loaded`].join('; ')}` };
  skipped.push(failure);
  if (await activateWasm()) return { name: 'wasm', reason: `auto: ${[...skipped, 'using wasm'].join('; ')}` };
  skipped.push('the wasm backend failed to initialise');
  await tf.setBackend('cpu');
  return { name: 'cpu', reason: `auto: ${[...skipped, 'using the plain JavaScript cpu backend'].join('; ')}` };
}

/**
 * Activates the compute backend `requested` (`--backend`) for this process and says why. An explicitly requested
 * backend that cannot be used throws InvalidArgumentError (for a missing tfjs-node package, with the npm command
 * that installs it); 'auto' falls through tensorflow-gpu, tensorflow, wasm and cpu instead.
 */
export async function selectBackend(requested: BackendName, probes: BackendProbes = {}): Promise<SelectedBackend> {
  if (!(BACKEND_NAMES as readonly string[]).includes(requested)) {
    throw new InvalidArgumentError(`unknown backend '${requested}', expected one of: ${BACKEND_NAMES.join(', ')}`, { subject: 'backend' });
  }
  const selected = requested === 'auto' ? await auto(probes) : await explicit(requested, probes);
  await tf.ready();
  return selected;
}
