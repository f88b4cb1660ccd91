// Node provides the WebAssembly global, but TypeScript declares it only in lib.dom (not loaded here,
// this code runs in Node). These are the members simd-reduce.ts uses.
declare namespace WebAssembly {
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
  }
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(deltaPages: number): number;
  }
  const Memory: { new (descriptor: MemoryDescriptor): Memory };
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- opaque compiled module
  interface Module {}
  const Module: { new (bytes: Uint8Array): Module };
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  const Instance: { new (module: Module, imports?: Record<string, Record<string, unknown>>): Instance };
}
