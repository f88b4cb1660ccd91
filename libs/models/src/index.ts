// @ringtrain/models: the model zoo (tfjs layers models), the flat parameter/gradient/state view the collectives and
// optimizers work on, one training step's gradients, evaluation sums, and compute-backend selection (with the
// gradient kernels the wasm backend lacks).

export { createModel, MODEL_NAMES, type ModelName } from './model-zoo.js';
export type { ModelOptions } from './model-options.js';

export type { WeightSegment } from './weight-layout.js';
export { countParams, getFlatParams, getFlatState, paramSegments, setFlatParams, setFlatState, stateSegments } from './flat-weights.js';
export { computeGradients, type GradientResult } from './compute-gradients.js';
export type { GradientReadyHook } from './gradient-hooks.js';
export { evaluate, type EvaluationSums } from './evaluate.js';

export {
  BACKEND_NAMES,
  installCommand,
  selectBackend,
  type BackendName,
  type BackendProbes,
  type ConcreteBackendName,
  type SelectedBackend,
} from './backend/select-backend.js';
export { BLAS_NAMES, selectBlas, type BlasName, type BlasOptions, type SelectedBlas } from './backend/select-blas.js';
export { nativeBlasInUse } from './wasm-kernels/native-blas-in-use.js';
export { gpuVisibility, type GpuVisibility } from './backend/gpu-visibility.js';
export { localWasmDirectory } from './backend/wasm-backend.js';
export { registerWasmTrainingKernels } from './wasm-kernels/register-wasm-kernels.js';
export { exportModel, WEIGHTS_FILE, type ExportedModel } from './export-model.js';
