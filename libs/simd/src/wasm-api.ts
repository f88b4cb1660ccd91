// Node provides the WebAssembly global, but TypeScript declares it only in lib.dom, which this code
// (run in Node) does not load. These are the members the SIMD memory and the assembler use, typed here once.

export interface WasmMemory {
  /** A SharedArrayBuffer for a shared memory (a new object after each grow). */
  readonly buffer: ArrayBufferLike;
  grow(deltaPages: number): number;
}
export type WasmModule = object;
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports?: Record<string, Record<string, unknown>>) => WasmInstance;
}

export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
