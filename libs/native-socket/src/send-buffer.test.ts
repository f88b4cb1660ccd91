import { readFileSync } from 'node:fs';
import { connect, createServer, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeUnixSendBuffer, setSendBuffer } from './index.js';

// CI sets RINGTRAIN_EXPECT_NATIVE_SOCKET=1, so that an addon that did not build fails these tests there instead of
// skipping them (a machine without a C compiler skips them). Abstract Unix sockets, used here, are Linux's.
const expected = process.env['RINGTRAIN_EXPECT_NATIVE_SOCKET'] === '1';
const probe = setSendBuffer(new Socket(), 1);
const built = probe.ok || !/not built/.test(probe.reason);
const supported = process.platform === 'linux' && (built || expected);

/** The largest send buffer an unprivileged process may ask for on this Linux machine. */
const wmemMax = (): number => Number(readFileSync('/proc/sys/net/core/wmem_max', 'utf8'));

const sockets: Socket[] = [];
afterEach(() => void sockets.splice(0).forEach((s) => s.destroy()));

/** Both ends of a connection over an abstract Unix socket; the reader is paused (it reads nothing). */
async function unixPair(): Promise<{ writer: Socket; reader: Socket }> {
  const name = `\0ringtrain-send-buffer-test-${process.pid}-${Math.random()}`;
  const server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(name, resolve));
  const reader = connect(name);
  const writer = await accepted;
  server.close();
  reader.pause();
  sockets.push(writer, reader);
  return { writer, reader };
}

describe.runIf(supported)('setSendBuffer on a Unix socket', () => {
  it('sets SO_SNDBUF: the kernel reports twice the request, capped at net.core.wmem_max', async () => {
    const { writer } = await unixPair();
    const request = 1 << 20;
    expect(setSendBuffer(writer, request)).toEqual({ ok: true, bytes: 2 * Math.min(request, wmemMax()) });
  });

  it('lets the writer queue more than the default 208 KiB while the reader reads nothing', async (ctx) => {
    if (wmemMax() < 1 << 20) ctx.skip(); // net.core.wmem_max keeps every socket near the default here
    const { writer } = await unixPair();
    const result = setSendBuffer(writer, 4 << 20);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    // A quarter of the granted buffer (the kernel charges each queued packet more than its payload), at least
    // 512 KiB: without the raise the write would wait for the reader.
    const payload = Buffer.alloc(result.bytes >> 2);
    expect(payload.length).toBeGreaterThanOrEqual(512 << 10);
    const written = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      writer.write(payload, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    expect(written).toBe(true);
  });

  it('probes what a Unix socket would be granted, on a socket pair of its own', () => {
    for (const request of [64 << 10, 1 << 20, 64 << 20]) expect(probeUnixSendBuffer(request)).toEqual({ ok: true, bytes: 2 * Math.min(request, wmemMax()) });
  });

  it('says why for a socket without a descriptor', () => {
    expect(setSendBuffer(new Socket(), 1 << 20)).toEqual({ ok: false, reason: 'the socket has no file descriptor (not connected, closed, or not on a Unix-like system)' });
  });
});

describe('setSendBuffer refusals', () => {
  it('refuses a size that is not a positive integer below 2^30, before touching a socket', () => {
    for (const bytes of [0, -1, 1.5, 2 ** 30, Number.NaN]) {
      const reason = `send buffer size must be an integer in [1, 2^30), got ${bytes}`;
      expect(setSendBuffer(new Socket(), bytes)).toEqual({ ok: false, reason });
      expect(probeUnixSendBuffer(bytes)).toEqual({ ok: false, reason });
    }
  });

  it.skipIf(built)('says how to find out why the addon did not build', () => {
    expect(setSendBuffer(new Socket(), 1 << 20)).toMatchObject({ ok: false, reason: expect.stringMatching(/npm rebuild @ringtrain\/native-socket/) });
  });
});
