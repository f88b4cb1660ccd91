export { allocateSimdBuffer, allocateVector, releaseSimdBuffer, simdMemory, SimdMemory } from './simd-memory.js';
export { THREAD_ARENA, type SimdArena } from './thread-arena.js';
export {
  add, div, fround, laneSum, max, mul, pairKernel, runner, sqrt, sub, toFloat32, toFloat64,
  type Float32Pair, type Pair, type PairContext, type PairFunction, type PairKernelSpec, type PairRun,
} from './float64-pairs.js';
export { assembleModule, F32, F64, I32, instantiate, loop, op, V128, type WasmFunction } from './wasm-assembler.js';
