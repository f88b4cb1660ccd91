export { allocateSimdBuffer, allocateVector, releaseSimdBuffer, simdMemory, SimdMemory } from './simd-memory.js';
export { THREAD_ARENA, type SimdArena } from './thread-arena.js';
export { runner, type KernelRun, type LaneKernel } from './kernel-runner.js';
export {
  add, div, fround, laneSum, max, mul, pairKernel, sqrt, sub, toFloat32, toFloat64,
  type Float32Pair, type Pair, type PairContext, type PairKernelSpec,
} from './float64-pairs.js';
export { f32add, f32mul, f32sub, quadKernel, type Quad, type QuadContext, type QuadKernelSpec } from './float32-quads.js';
export { assembleModule, F32, F64, I32, instantiate, loop, op, V128, type WasmFunction } from './wasm-assembler.js';
