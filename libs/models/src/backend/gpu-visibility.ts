// Whether this process can see an NVIDIA GPU, decided without loading CUDA: tfjs-node-gpu itself only finds out
// while loading libtensorflow, and then silently runs on the CPU when there is none.

import { existsSync, readdirSync } from 'node:fs';

/** Where the NVIDIA driver lists the GPUs of this machine (Linux; containers see it with the nvidia runtime). */
export const NVIDIA_GPU_LIST = '/proc/driver/nvidia/gpus';

export interface GpuVisibility {
  visible: boolean;
  /** Why, for the backend selection's reason. */
  detail: string;
}

/**
 * Visible means: the driver lists at least one GPU, and CUDA_VISIBLE_DEVICES (when set) does not hide them all
 * ('' or '-1', as CUDA reads it; the launcher sets it per local rank).
 */
export function gpuVisibility(env: NodeJS.ProcessEnv = process.env, gpuList = NVIDIA_GPU_LIST): GpuVisibility {
  const mask = env['CUDA_VISIBLE_DEVICES'];
  if (mask !== undefined && (mask.trim() === '' || mask.trim() === '-1')) {
    return { visible: false, detail: `CUDA_VISIBLE_DEVICES='${mask}' hides every GPU` };
  }
  const gpus = existsSync(gpuList) ? readdirSync(gpuList).length : 0;
  if (gpus === 0) return { visible: false, detail: `no NVIDIA GPU listed in ${gpuList}` };
  return { visible: true, detail: `${gpus} NVIDIA GPU(s) in ${gpuList}${mask === undefined ? '' : `, CUDA_VISIBLE_DEVICES='${mask}'`}` };
}
