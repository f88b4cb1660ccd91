import { closeSync, fstatSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { peerProcess, closeSharedRegion, createSharedRegion, openSharedRegion, sharedRegionPageBytes, unmapSharedRegion, type SharedRegionHandle } from './index.js';

// As in send-buffer.test.ts: CI sets RINGTRAIN_EXPECT_NATIVE_SOCKET=1 so that an addon that did not build fails here.
const expected = process.env['RINGTRAIN_EXPECT_NATIVE_SOCKET'] === '1';
const page = sharedRegionPageBytes();
const supported = process.platform === 'linux' && (typeof page === 'number' || expected);

// Node has the WebAssembly global; TypeScript declares it only in lib.dom, which this project does not load.
const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBufferLike } } }).WebAssembly;

/** A WebAssembly memory of 4 x 64 KiB, as ringtrain maps regions of its SIMD memory: page-aligned, shared between threads. */
function memory(): Uint8Array {
  return new Uint8Array(new Memory({ initial: 4, maximum: 4, shared: true }).buffer);
}

function create(region: Uint8Array): SharedRegionHandle {
  const created = createSharedRegion(region);
  if (!created.ok) throw new Error(created.reason);
  return created.handle;
}

// Both ends in this one process: the other end opens this process's descriptor through /proc, as a peer process does.
describe.runIf(supported)('shared regions', () => {
  it('makes two regions one: bytes written through either are read through the other', () => {
    const bytes = 2 * (page as number);
    const a = memory().subarray(0, bytes);
    const b = memory().subarray(bytes, 2 * bytes);
    a.fill(7);
    const handle = create(a);
    expect(handle.pid).toBe(process.pid);
    expect(a[0]).toBe(0); // a new file's bytes: the region's old contents are gone
    expect(openSharedRegion(b, handle)).toEqual({ ok: true });
    a[5] = 42;
    b[bytes - 1] = 9;
    expect([b[5], a[bytes - 1]]).toEqual([42, 9]);
    expect(closeSharedRegion(handle)).toEqual({ ok: true });
    a[6] = 1; // the mappings outlive the descriptor
    expect(b[6]).toBe(1);
    expect([unmapSharedRegion(a), unmapSharedRegion(b)]).toEqual([{ ok: true }, { ok: true }]);
    a[7] = 3;
    expect([a[5], a[7], b[7]]).toEqual([0, 3, 0]); // private zero pages again, apart
  });

  it('keeps the bytes around the region, and views made before it was mapped see the shared pages', () => {
    const p = page as number;
    const all = memory();
    const other = memory();
    all.fill(5);
    const view = new Float32Array(all.buffer, p, 4); // made before the mapping
    const handle = create(all.subarray(p, 2 * p));
    expect(openSharedRegion(other.subarray(0, p), handle)).toEqual({ ok: true });
    new Float32Array(other.buffer, 0, 1)[0] = 1.5; // written through the other end
    expect([all[p - 1], all[2 * p], view[0]]).toEqual([5, 5, 1.5]);
    expect([unmapSharedRegion(all.subarray(p, 2 * p)), unmapSharedRegion(other.subarray(0, p)), closeSharedRegion(handle)]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
  });

  it('opens only the offered file, of the region\'s size, and only while its creator keeps it open', () => {
    const p = page as number;
    const all = memory();
    const handle = create(all.subarray(0, p));
    const notIt = { ok: false, reason: "fstat (not the offered file, or not of the region's size): Invalid argument" };
    expect(openSharedRegion(all.subarray(p, 3 * p), handle)).toEqual(notIt);
    expect(openSharedRegion(all.subarray(p, 2 * p), { ...handle, inode: handle.inode + 1 })).toEqual(notIt); // another file under that number
    expect(closeSharedRegion({ ...handle, pid: handle.pid + 1 })).toMatchObject({ ok: false, reason: expect.stringMatching(/not ours to close/) });
    expect(closeSharedRegion(handle)).toEqual({ ok: true });
    expect(openSharedRegion(all.subarray(p, 2 * p), handle)).toEqual({ ok: false, reason: 'open(/proc/PID/fd/FD): No such file or directory' });
    expect(unmapSharedRegion(all.subarray(0, p))).toEqual({ ok: true });
  });

  it("seals the file's size: nobody can shrink it under a mapping (which would kill with SIGBUS)", () => {
    const p = page as number;
    const all = memory();
    const handle = create(all.subarray(0, p));
    expect(() => ftruncateSync(handle.fd, 0)).toThrow(/EPERM/);
    expect(() => ftruncateSync(handle.fd, 2 * p)).toThrow(/EPERM/);
    expect(fstatSync(handle.fd).size).toBe(p);
    closeSharedRegion(handle);
    unmapSharedRegion(all.subarray(0, p));
  });

  it('refuses a file whose size is not sealed', () => {
    const p = page as number;
    const dir = mkdtempSync(join(tmpdir(), 'ringtrain-region-'));
    const path = join(dir, 'plain');
    writeFileSync(path, Buffer.alloc(p));
    const fd = openSync(path, 'r+');
    try {
      expect(openSharedRegion(memory().subarray(0, p), { pid: process.pid, fd, inode: fstatSync(fd).ino })).toEqual({ ok: false, reason: "fcntl(F_GET_SEALS) (the file's size is not sealed): Invalid argument" });
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true });
    }
  });

  it('refuses regions that are not whole pages on a page boundary', () => {
    const p = page as number;
    const all = memory();
    const refusal = { ok: false, reason: 'createSharedRegion(region) takes a page-aligned Uint8Array of whole pages' };
    expect(createSharedRegion(all.subarray(64, 64 + p))).toEqual(refusal);
    expect(createSharedRegion(all.subarray(0, p - 64))).toEqual(refusal);
    expect(createSharedRegion(all.subarray(0, 0))).toEqual(refusal);
    expect(openSharedRegion(all.subarray(64, 64 + p), { pid: process.pid, fd: 0, inode: 0 })).toMatchObject({ ok: false, reason: expect.stringMatching(/^openSharedRegion\(region, pid, fd, inode\) takes/) });
    expect(unmapSharedRegion(all.subarray(64, 64 + p))).toEqual({ ok: false, reason: 'unmapSharedRegion(region) takes a page-aligned Uint8Array of whole pages' });
    // Handles are checked before the addon reads them as int32 (NaN would become descriptor 0).
    for (const handle of [{ pid: process.pid, fd: Number.NaN, inode: 1 }, { pid: 0, fd: 3, inode: 1 }, { pid: process.pid, fd: 2 ** 32, inode: 1 }, { pid: process.pid, fd: 3, inode: -1 }]) {
      const reason = `not a region handle: pid ${handle.pid}, descriptor ${handle.fd}, inode ${handle.inode}`;
      expect(openSharedRegion(all.subarray(0, p), handle)).toEqual({ ok: false, reason });
      if (handle.pid === process.pid) expect(closeSharedRegion(handle)).toEqual({ ok: false, reason });
    }
  });
});

describe.runIf(supported)('peerProcess', () => {
  it("names the process at the other end of a Unix socket as the kernel knows it (here: this one), and says why it cannot", async () => {
    const name = `\0ringtrain-peer-test-${process.pid}-${Math.random()}`;
    const server = createServer();
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(name, resolve));
    const client = connect(name);
    const socket = await accepted;
    try {
      expect([peerProcess(socket), peerProcess(client)]).toEqual([process.pid, process.pid]);
    } finally {
      client.destroy();
      socket.destroy();
      server.close();
    }
    expect(peerProcess(socket)).toBe('the socket has no file descriptor (not connected, or closed)');
  });
});
