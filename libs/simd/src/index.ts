export { allocateSimdBuffer, releaseSimdBuffer, simdMemory, SimdMemory } from './simd-memory.js';
export { assembleModule, F32, F64, I32, instantiate, loop, op, V128, type WasmFunction } from './wasm-assembler.js';
