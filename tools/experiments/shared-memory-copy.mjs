#!/usr/bin/env node
// How fast a 4 MiB copy within a shared WebAssembly memory is (what the shared slots' copies are: TypedArray#set,
// which V8 runs as relaxed_memmove on shared memory), against WebAssembly's own memory.copy, over a 96 MiB span so
// that the copies leave the caches. Prints GB/s per method, twice, alternating.
// Usage: node tools/experiments/shared-memory-copy.mjs

const MiB = 1 << 20;
const N = 4 * MiB;
const SPAN = 96 * MiB;
const memory = new WebAssembly.Memory({ initial: (2 * SPAN) / 65536, maximum: 65536, shared: true });
// (module (import "m" "memory" (memory 1 65536 shared))
//   (func (export "copy") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.copy))
const module = new WebAssembly.Module(
  new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, // magic, version
    1, 7, 1, 96, 3, 127, 127, 127, 0, // type section: (i32 i32 i32) -> ()
    2, 16, 1, 1, 109, 6, 109, 101, 109, 111, 114, 121, 2, 3, 1, 128, 128, 4, // import m.memory, shared, 1..65536 pages
    3, 2, 1, 0, // function section
    7, 8, 1, 4, 99, 111, 112, 121, 0, 0, // export "copy"
    10, 14, 1, 12, 0, 32, 0, 32, 1, 32, 2, 252, 10, 0, 0, 11, // code: memory.copy(dst, src, n)
  ]),
);
const { copy } = new WebAssembly.Instance(module, { m: { memory } }).exports;
const bytes = new Uint8Array(memory.buffer);
bytes.fill(3);
const methods = {
  'TypedArray#set': (dst, src) => bytes.set(bytes.subarray(src, src + N), dst),
  'memory.copy': (dst, src) => copy(dst, src, N),
};
for (let round = 0; round < 2; round++) {
  for (const [name, run] of Object.entries(methods)) {
    const reps = 200;
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < reps; k++) run(SPAN + ((k * 7) % 24) * N, (k % 24) * N);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6 / reps;
    console.log(`${name.padEnd(15)} ${ms.toFixed(3)} ms per 4 MiB  ${(N / ms / 1e6).toFixed(2)} GB/s`);
  }
}
