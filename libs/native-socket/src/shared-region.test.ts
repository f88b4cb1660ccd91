import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { mapSharedRegion, newSharedRegionName, sharedRegionPageBytes, unlinkSharedRegion, unmapSharedRegion } from './index.js';

// As in send-buffer.test.ts: CI sets RINGTRAIN_EXPECT_NATIVE_SOCKET=1 so that an addon that did not build fails here.
const expected = process.env['RINGTRAIN_EXPECT_NATIVE_SOCKET'] === '1';
const page = sharedRegionPageBytes();
const supported = process.platform === 'linux' && (typeof page === 'number' || expected);

// Node has the WebAssembly global; TypeScript declares it only in lib.dom, which this project does not load.
const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBufferLike } } }).WebAssembly;

/** A WebAssembly memory (64 KiB pages), as ringtrain maps regions of its SIMD memory: page-aligned, and shared between threads. */
function memory(pages: number): Uint8Array {
  return new Uint8Array(new Memory({ initial: pages, maximum: pages, shared: true }).buffer);
}

const names: string[] = [];
afterEach(() => void names.splice(0).forEach((name) => unlinkSharedRegion(name)));
function name(): string {
  names.push(newSharedRegionName());
  return names.at(-1)!;
}

describe.runIf(supported)('shared regions', () => {
  it('makes two regions one: bytes written through either are read through the other', () => {
    const bytes = 2 * (page as number);
    const a = memory(1).subarray(0, bytes);
    const b = memory(1).subarray(bytes, 2 * bytes);
    a.fill(7);
    const shared = name();
    expect(mapSharedRegion(a, shared, true)).toEqual({ ok: true });
    expect(a[0]).toBe(0); // a new object's bytes: the region's old contents are gone
    expect(mapSharedRegion(b, shared, false)).toEqual({ ok: true });
    a[5] = 42;
    b[bytes - 1] = 9;
    expect([b[5], a[bytes - 1]]).toEqual([42, 9]);
    expect(unlinkSharedRegion(shared)).toEqual({ ok: true });
    expect(existsSync(`/dev/shm${shared}`)).toBe(false);
    a[6] = 1; // mappings outlive the name
    expect(b[6]).toBe(1);
    expect([unmapSharedRegion(a), unmapSharedRegion(b)]).toEqual([{ ok: true }, { ok: true }]);
    a[7] = 3;
    expect([a[5], a[7], b[7]]).toEqual([0, 3, 0]); // private zero pages again, apart
  });

  it('keeps the bytes around the region and the views of the buffer', () => {
    const p = page as number;
    const all = memory(1);
    all.fill(5);
    const view = new Float32Array(all.buffer, p, 4);
    const shared = name();
    expect(mapSharedRegion(all.subarray(p, 2 * p), shared, true)).toEqual({ ok: true });
    view[0] = 1.5;
    expect([all[p - 1], all[2 * p], new Float32Array(all.buffer, p, 1)[0]]).toEqual([5, 5, 1.5]);
    unmapSharedRegion(all.subarray(p, 2 * p));
  });

  it('creates a name only once, and opens only an object of the region\'s size', () => {
    const p = page as number;
    const all = memory(1);
    const shared = name();
    expect(mapSharedRegion(all.subarray(0, p), shared, true)).toEqual({ ok: true });
    expect(mapSharedRegion(all.subarray(p, 2 * p), shared, true)).toEqual({ ok: false, reason: 'shm_open: File exists' });
    expect(mapSharedRegion(all.subarray(p, 3 * p), shared, false)).toEqual({ ok: false, reason: "fstat (the object's size differs from the region's): Invalid argument" });
    expect(mapSharedRegion(all.subarray(p, 2 * p), name(), false)).toEqual({ ok: false, reason: 'shm_open: No such file or directory' });
    unmapSharedRegion(all.subarray(0, p));
  });

  it('refuses regions that are not whole pages on a page boundary, and bad names', () => {
    const p = page as number;
    const all = memory(1);
    const refusal = { ok: false, reason: "mapSharedRegion(region, name, create) takes a page-aligned Uint8Array of whole pages, a name '/...' and a boolean" };
    expect(mapSharedRegion(all.subarray(64, 64 + p), name(), true)).toEqual(refusal);
    expect(mapSharedRegion(all.subarray(0, p - 64), name(), true)).toEqual(refusal);
    expect(mapSharedRegion(all.subarray(0, 0), name(), true)).toEqual(refusal);
    expect(mapSharedRegion(all.subarray(0, p), 'no-slash', true)).toEqual(refusal);
    expect(mapSharedRegion(all.subarray(0, p), '/a/b', true)).toEqual(refusal);
    expect(unmapSharedRegion(all.subarray(64, 64 + p))).toEqual({ ok: false, reason: 'unmapSharedRegion(region) takes a page-aligned Uint8Array of whole pages' });
  });

  it('makes a fresh, valid name every time', () => {
    const made = new Set(Array.from({ length: 100 }, () => newSharedRegionName()));
    expect(made.size).toBe(100);
    for (const n of made) expect(n).toMatch(/^\/ringtrain-\d+-[0-9a-f]{24}$/);
  });
});
