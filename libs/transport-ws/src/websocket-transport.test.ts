import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import WebSocketClient, { WebSocketServer, type WebSocket } from 'ws';
import { ErrorCodes, type RingtrainError } from '@ringtrain/common';
import { encodeFrameHeader, encodeSlotMessage } from '@ringtrain/protocol';
import { transportComplianceSuite, type TransportGroup } from '@ringtrain/transport/testing';
import { simdMemory } from '@ringtrain/simd';
import { HEADER_GENERATION, HEADER_NONCE, HEADER_PROOF, HEADER_RANK, HEADER_TOKEN, proofFor } from './auth.js';
import type * as nativeSocket from '@ringtrain/native-socket';
import { probeUnixSendBuffer, setSendBuffer, type SendBufferResult } from '@ringtrain/native-socket';
import { DataPlane } from './data-plane.js';
import { chooseLocalSockets, LOCAL_SEND_BUFFER_BYTES, sendBufferShortfall } from './send-buffer.js';
import { LOCAL_SOCKETS_SUPPORTED, localSocketName } from './local-socket.js';
import { chooseSharedMemory } from './shared-memory-choice.js';
import { MIN_SLOT_PAYLOAD, SLOT_BYTES, SLOT_COUNT } from './shared-slots.js';
import { WebSocketTransport, type WebSocketTransportOptions } from './websocket-transport.js';

// The real socket addon, watched: tests see what the listener asked of it and what the kernel granted.
vi.mock('@ringtrain/native-socket', async (original) => {
  const real = await original<typeof nativeSocket>();
  return { ...real, setSendBuffer: vi.fn(real.setSendBuffer), probeUnixSendBuffer: vi.fn(real.probeUnixSendBuffer) };
});
const addonExpected = process.env['RINGTRAIN_EXPECT_NATIVE_SOCKET'] === '1';
const wmemMax = (): number => Number(readFileSync('/proc/sys/net/core/wmem_max', 'utf8'));

const TOKEN = 'compliance-token';
const tag = (step: number) => ({ step, bucket: 0, phase: 0, chunk: 0 });

async function createGroup(worldSize: number, extra: Partial<WebSocketTransportOptions> = {}): Promise<TransportGroup & { transports: WebSocketTransport[] }> {
  const transports = await Promise.all(
    Array.from({ length: worldSize }, (_, rank) => WebSocketTransport.listen({ rank, worldSize, token: TOKEN, ...extra })),
  );
  const peers = transports.map((t) => t.address);
  for (const t of transports) t.setPeers(peers);
  return { transports, cleanup: async () => void (await Promise.all(transports.map((t) => t.close()))) };
}

// Test-only certificate for 127.0.0.1, its key, and itself as the CA (test/fixtures/tls/README.md).
const TLS = {
  cert: readFileSync(new URL('../../../test/fixtures/tls/cert.pem', import.meta.url)),
  key: readFileSync(new URL('../../../test/fixtures/tls/key.pem', import.meta.url)),
  ca: readFileSync(new URL('../../../test/fixtures/tls/cert.pem', import.meta.url)),
};

transportComplianceSuite('WebSocketTransport over TLS', { createGroup: (n) => createGroup(n, { tls: TLS }) });

// A certificate for the IP address alone, as a node's would be (no 'localhost' to fall back on).
const IP_ONLY_TLS = {
  cert: readFileSync(new URL('../../../test/fixtures/tls/ip-only-cert.pem', import.meta.url)),
  key: readFileSync(new URL('../../../test/fixtures/tls/ip-only-key.pem', import.meta.url)),
  ca: readFileSync(new URL('../../../test/fixtures/tls/ip-only-cert.pem', import.meta.url)),
};

describe('WebSocketTransport zero-copy receive', () => {
  it('reads a payload straight into the regions its sink offers, all but its first read', async () => {
    const { transports: [a, b], cleanup } = await createGroup(2);
    try {
      const payload = Uint8Array.from({ length: 4 << 20 }, (_, i) => (i * 7) & 0xff);
      const into = new Uint8Array(payload.length);
      let filled = 0;
      let placed = 0;
      const sink = {
        byteLength: payload.length,
        write(piece: Uint8Array) {
          into.set(piece, filled);
          filled += piece.length;
        },
        reserve: (max: number) => into.subarray(filled, filled + max),
        commit(n: number) {
          filled += n;
          placed += n;
        },
      };
      await b!.connect([0], { timeoutMs: 10_000 }); // the handshake's read takes what arrives with it: not this payload
      await Promise.all([b!.recvInto(0, tag(1), sink, { timeoutMs: 30_000 }), a!.send(1, tag(1), payload)]);
      expect(Buffer.from(into).equals(Buffer.from(payload))).toBe(true);
      // Only the first read of the message (4 KiB with its headers) goes through the link's own buffer.
      expect(placed).toBeGreaterThanOrEqual(payload.length - 4096);
    } finally {
      await cleanup();
    }
  });
});

describe('WebSocketTransport over TLS, against peers that do not match', () => {
  it('fails with E_CONNECT, naming the reason, against a peer whose certificate it cannot verify, or one without TLS', async () => {
    const server = await WebSocketTransport.listen({ rank: 1, worldSize: 2, token: TOKEN, tls: TLS });
    const distrustful = await WebSocketTransport.listen({ rank: 0, worldSize: 2, token: TOKEN, tls: { ...TLS, ca: undefined }, connectTimeoutMs: 2000 });
    const plain = await WebSocketTransport.listen({ rank: 0, worldSize: 2, token: TOKEN, connectTimeoutMs: 2000 });
    try {
      distrustful.setPeers([server.address]);
      const untrusted = (await distrustful.connect([1]).catch((e) => e)) as RingtrainError;
      expect(untrusted.code).toBe(ErrorCodes.CONNECT);
      expect(untrusted.message).toMatch(/self-signed certificate/);
      plain.setPeers([server.address]);
      const mismatch = (await plain.connect([1]).catch((e) => e)) as RingtrainError;
      expect(mismatch.code).toBe(ErrorCodes.CONNECT);
    } finally {
      await Promise.all([server.close(), distrustful.close(), plain.close()]);
    }
  });
});

async function killMidMessage(group: TransportGroup, rank: number, peer: number, payload: Uint8Array): Promise<void> {
  const sender = group.transports[rank] as WebSocketTransport;
  // The link must be up, or the receiver would see refused connections (and give up only at its deadline).
  await (group.transports[peer] as WebSocketTransport).connect([rank], { timeoutMs: 10_000 });
  void sender.send(peer, { step: 1, bucket: 0, phase: 1, chunk: 0 }, payload).catch(() => undefined);
  await new Promise((r) => setImmediate(r));
  await sender.abort();
}

// Over TCP (the default), and with local links over Unix sockets (Linux; elsewhere this runs over TCP again).
transportComplianceSuite('WebSocketTransport', { createGroup: (n) => createGroup(n), killMidMessage });
transportComplianceSuite('WebSocketTransport over Unix sockets', { createGroup: (n) => createGroup(n, { localSockets: true }), killMidMessage });

describe.runIf(LOCAL_SOCKETS_SUPPORTED)('WebSocketTransport links on one machine', () => {
  /** Whether something accepts connections on the abstract socket name of `address` under `token`. */
  const nameAnswers = (address: { host: string; port: number }, token = TOKEN) =>
    new Promise<boolean>((resolve) => {
      const socket = connect(localSocketName(token, address.host, address.port));
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
      socket.once('connect', () => socket.destroy());
    });

  it('reach a peer on this machine over its Unix socket, and over TCP when either end has them off', async () => {
    const both = await createGroup(2, { localSockets: true });
    const listenerOff = await Promise.all([
      WebSocketTransport.listen({ rank: 0, worldSize: 2, token: TOKEN, localSockets: true }),
      WebSocketTransport.listen({ rank: 1, worldSize: 2, token: TOKEN }),
    ]);
    const pullerOff = await createGroup(2);
    try {
      expect(await both.transports[0]!.linkRoute(1, { timeoutMs: 5000 })).toBe('unix socket');
      expect(await both.transports[1]!.linkRoute(0, { timeoutMs: 5000 })).toBe('unix socket');
      // Rank 0 tries rank 1's socket name, finds nobody there and connects over TCP at once.
      const [a, b] = listenerOff as [WebSocketTransport, WebSocketTransport];
      for (const t of listenerOff) t.setPeers([a.address, b.address]);
      expect(await a.linkRoute(1, { timeoutMs: 5000 })).toBe('tcp');
      expect(await b.linkRoute(0, { timeoutMs: 5000 })).toBe('tcp'); // b does not try: it has them off
      expect(await pullerOff.transports[0]!.linkRoute(1, { timeoutMs: 5000 })).toBe('tcp');
      // Data flows both ways over the mixed pair.
      const received = a.recv(1, tag(3), { timeoutMs: 5000 });
      await b.send(0, tag(3), Uint8Array.of(9, 8));
      expect([...(await received)]).toEqual([9, 8]);
    } finally {
      await Promise.all([both.cleanup(), pullerOff.cleanup(), ...listenerOff.map((t) => t.close())]);
    }
  });

  it('ask for a 4 MiB send buffer on every Unix socket link the listener accepts, and say once per listener when it falls short', async () => {
    const raise = vi.mocked(setSendBuffer);
    raise.mockClear();
    const notices: string[] = [];
    const { transports, cleanup } = await createGroup(3, { localSockets: true, onNotice: (m) => notices.push(m) });
    try {
      for (const t of transports) {
        for (const peer of [0, 1, 2].filter((p) => p !== t.rank)) expect(await t.linkRoute(peer, { timeoutMs: 5000 })).toBe('unix socket');
      }
      // Each of the three listeners accepted two links (a full mesh), and asked for the buffer on each.
      expect(raise.mock.calls.map(([, bytes]) => bytes)).toEqual(Array(6).fill(LOCAL_SEND_BUFFER_BYTES));
      const granted = raise.mock.results.map((r) => r.value as SendBufferResult);
      const shortfall = sendBufferShortfall(granted[0]!, LOCAL_SEND_BUFFER_BYTES);
      expect(granted).toEqual(Array(6).fill(granted[0]));
      expect(notices).toEqual(shortfall === undefined ? [] : Array(3).fill(`a Unix socket link keeps a smaller send buffer: ${shortfall}`));
      // Where the addon is built (CI: RINGTRAIN_EXPECT_NATIVE_SOCKET), each link got what the kernel allows.
      if (addonExpected || granted[0]!.ok) expect(granted[0]).toEqual({ ok: true, bytes: 2 * Math.min(wmemMax(), LOCAL_SEND_BUFFER_BYTES) });
    } finally {
      await cleanup();
    }
  });

  it('chooseLocalSockets: Unix sockets where one can get the 4 MiB send buffer, TCP and the reason otherwise', () => {
    expect(chooseLocalSockets(false)).toEqual({ use: false });
    const probe = vi.mocked(probeUnixSendBuffer);
    probe.mockReturnValueOnce({ ok: true, bytes: 2 * LOCAL_SEND_BUFFER_BYTES });
    expect(chooseLocalSockets(true)).toEqual({ use: true });
    probe.mockReturnValueOnce({ ok: true, bytes: 425984 });
    expect(chooseLocalSockets(true)).toEqual({
      use: false,
      notice:
        'links to peers on this machine go over TCP, not Unix sockets: net.core.wmem_max caps a Unix socket\'s send buffer at ' +
        '208 KiB, below the 4096 KiB a link needs (as root, `sysctl -w net.core.wmem_max=4194304` lifts the cap)',
    });
    probe.mockReturnValueOnce({ ok: false, reason: 'the native addon is not built' });
    expect(chooseLocalSockets(true)).toEqual({ use: false, notice: 'links to peers on this machine go over TCP, not Unix sockets: the native addon is not built' });
    // The real probe, unmocked: Unix sockets exactly when this machine allows the buffer (CI builds the addon).
    const real = probeUnixSendBuffer(LOCAL_SEND_BUFFER_BYTES);
    if (addonExpected || real.ok) expect(chooseLocalSockets(true).use).toBe(wmemMax() >= LOCAL_SEND_BUFFER_BYTES);
  });

  it('verifies a TLS peer reached over its Unix socket against its address, not localhost', async () => {
    const { transports: [a, b], cleanup } = await createGroup(2, { tls: IP_ONLY_TLS, localSockets: true });
    try {
      expect(await a!.linkRoute(1, { timeoutMs: 5000 })).toBe('unix socket');
      const received = a!.recv(1, tag(4), { timeoutMs: 5000 });
      await b!.send(0, tag(4), Uint8Array.of(4));
      expect([...(await received)]).toEqual([4]);
    } finally {
      await cleanup();
    }
  });

  it('names the socket of a wildcard listener after the address it advertises, and gives it none without one', async () => {
    const advertised = await DataPlane.listen({ host: '0.0.0.0', advertiseHost: '127.0.0.1', token: TOKEN, localSockets: true });
    const silent = await DataPlane.listen({ host: '0.0.0.0', token: TOKEN, localSockets: true });
    try {
      expect(await nameAnswers({ host: '127.0.0.1', port: advertised.address.port })).toBe(true);
      // The name is the token's: under another token the same address names nothing.
      expect(await nameAnswers({ host: '127.0.0.1', port: advertised.address.port }, 'another token')).toBe(false);
      expect(await nameAnswers({ host: '0.0.0.0', port: advertised.address.port })).toBe(false);
      expect(await nameAnswers({ host: '127.0.0.1', port: silent.address.port })).toBe(false);
      expect(await nameAnswers({ host: '0.0.0.0', port: silent.address.port })).toBe(false);
    } finally {
      await Promise.all([advertised.close(), silent.close()]);
    }
  });

  it('registers the socket name only while listening, only when asked to, and only with a token', async () => {
    const on = await WebSocketTransport.listen({ rank: 0, worldSize: 1, token: TOKEN, localSockets: true });
    const off = await WebSocketTransport.listen({ rank: 0, worldSize: 1, token: TOKEN });
    const anonymous = await createGroup(2, { token: undefined, localSockets: true });
    try {
      expect(await nameAnswers(on.address)).toBe(true);
      expect(await nameAnswers(off.address)).toBe(false);
      // Without a token a name could be bound first by anyone: links go over TCP.
      expect(await nameAnswers(anonymous.transports[1]!.address)).toBe(false);
      expect(await anonymous.transports[0]!.linkRoute(1, { timeoutMs: 5000 })).toBe('tcp');
    } finally {
      await Promise.all([off.close(), anonymous.cleanup()]);
    }
    const address = on.address;
    await on.close();
    expect(await nameAnswers(address)).toBe(false);
  });

  it('reports a socket name that is already taken and serves over TCP', async () => {
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const squatter = createServer((socket) => socket.destroy()).listen(localSocketName(TOKEN, '127.0.0.1', port));
    await once(squatter, 'listening');
    const seen = collectErrors();
    const server = await WebSocketTransport.listen({ rank: 1, worldSize: 2, token: TOKEN, port, onError: seen.onError, localSockets: true });
    const peer = await WebSocketTransport.listen({ rank: 0, worldSize: 2, token: TOKEN });
    try {
      expect(seen.errors.map((e) => e.message)).toEqual([expect.stringMatching(/local socket of 127\.0\.0\.1:\d+: .*EADDRINUSE/)]);
      peer.setPeers([peer.address, server.address]);
      const received = peer.recv(1, tag(5), { timeoutMs: 5000 });
      await server.send(0, tag(5), Uint8Array.of(5));
      expect([...(await received)]).toEqual([5]);
    } finally {
      await Promise.all([server.close(), peer.close(), new Promise((r) => squatter.close(r))]);
    }
  });
});

function collectErrors(): { errors: RingtrainError[]; onError: (e: RingtrainError) => void } {
  const errors: RingtrainError[] = [];
  return { errors, onError: (e) => errors.push(e) };
}

async function waitUntil(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A listener that completes the handshake like a peer would (with or without the token proof) and
 * then lets the test write whatever it likes on the link.
 */
async function fakeListener(onLink: (ws: WebSocket, socket: Socket) => void, proves = true) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  wss.on('headers', (headers: string[], req: IncomingMessage) => {
    if (proves) headers.push(`${HEADER_PROOF}: ${proofFor(TOKEN, String(req.headers[HEADER_NONCE]))}`);
  });
  wss.on('connection', (ws) => onLink(ws, (ws as unknown as { _socket: Socket })._socket));
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as { port: number }).port;
  return { address: { rank: 0, host: '127.0.0.1', port }, close: () => new Promise((r) => wss.close(r)) };
}

describe.runIf(chooseSharedMemory(true, LOCAL_SOCKETS_SUPPORTED).use || (LOCAL_SOCKETS_SUPPORTED && addonExpected))('WebSocketTransport shared memory on one machine', () => {
  const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);
  /** Whether sharedMemoryFrom(peer) has settled: it does, before the receive, with the first slot payload. */
  const watch = (t: WebSocketTransport, peer: number) => {
    const seen = { used: false };
    t.sharedMemoryFrom(peer).then(() => (seen.used = true), () => undefined);
    return seen;
  };
  const settle = () => new Promise((r) => setTimeout(r, 20));

  /** Sends 1 MiB messages from `from` to `to` until one arrives through a slot (the offer has reached the sender). */
  async function untilShared(to: WebSocketTransport, from: WebSocketTransport): Promise<void> {
    const seen = watch(to, from.rank);
    for (let i = 0; !seen.used && i < 50; i++) {
      const got = to.recv(from.rank, tag(1000 + i), { timeoutMs: 5000 });
      await from.send(to.rank, tag(1000 + i), pattern(1 << 20, i));
      await got;
      await settle();
    }
    expect(seen.used).toBe(true);
  }

  it('carry payloads of 64 KiB to 4 MiB through slots, where a sink reads them in place, the rest over the socket, all in order', async () => {
    const { transports: [a, b], cleanup } = await createGroup(2, { localSockets: true });
    try {
      await untilShared(a!, b!);
      // More messages than slots, of every kind, into sinks and into buffers, all with one tag: the receives take
      // them in the order they arrive, so each gets the length and bytes it expects only if the link kept the order.
      const sizes = [SLOT_BYTES, 10, MIN_SLOT_PAYLOAD, SLOT_BYTES + 1, 0, MIN_SLOT_PAYLOAD - 1, 3 << 20, 1 << 20, 1 << 20];
      const all = [...sizes, ...sizes].map((n, i) => pattern(n, i));
      let inPlace = 0;
      const slottedBefore = a!.slotPayloadsFrom(1);
      const received = all.map((p, i) => {
        const bytes = new Uint8Array(p.length);
        let filled = 0;
        const sink = {
          byteLength: p.length,
          write(piece: Uint8Array) {
            if (simdMemory.addressOf(piece) !== undefined) inPlace++; // a slot: in the SIMD memory, where kernels read
            bytes.set(piece, filled);
            filled += piece.length;
          },
        };
        return i % 2 === 0 ? a!.recvInto(1, tag(7), sink, { timeoutMs: 10_000 }).then(() => bytes) : a!.recv(1, tag(7), { timeoutMs: 10_000 });
      });
      await Promise.all(all.map((p) => b!.send(0, tag(7), p)));
      const got = await Promise.all(received);
      got.forEach((bytes, i) => expect(Buffer.from(bytes).equals(Buffer.from(all[i]!)), `message ${i}`).toBe(true));
      // The sink receives of slot-sized payloads (SLOT_BYTES, MIN_SLOT_PAYLOAD, 3 MiB, 1 MiB: even positions) read in place.
      expect(inPlace).toBe(5);
      expect(a!.slotPayloadsFrom(1) - slottedBefore).toBe(10); // every payload of 64 KiB to 4 MiB, sink or not
      // Sends that outnumber the slots wait for them to come back; none is lost.
      const many = Array.from({ length: 4 * SLOT_COUNT }, (_, i) => pattern(1 << 20, 100 + i));
      const back = many.map((_, i) => a!.recv(1, tag(100 + i), { timeoutMs: 10_000 }));
      await Promise.all(many.map((p, i) => b!.send(0, tag(100 + i), p)));
      (await Promise.all(back)).forEach((bytes, i) => expect(Buffer.from(bytes).equals(Buffer.from(many[i]!))).toBe(true));
    } finally {
      await cleanup();
    }
  });

  it('keep payloads on the socket when either end has shared memory off, or with TLS, and say so at the sender', async () => {
    const notices: string[] = [];
    const mixed = await Promise.all([
      WebSocketTransport.listen({ rank: 0, worldSize: 2, token: TOKEN, localSockets: true }),
      WebSocketTransport.listen({ rank: 1, worldSize: 2, token: TOKEN, localSockets: true, sharedMemory: false, onNotice: (m) => notices.push(m) }),
    ]);
    for (const t of mixed) t.setPeers(mixed.map((m) => m.address));
    const tls = await createGroup(2, { localSockets: true, tls: IP_ONLY_TLS });
    try {
      // Rank 0 offers, rank 1 (off) declines; rank 1 (off) never offers; TLS links never offer.
      for (const [to, from] of [mixed, [mixed[1], mixed[0]], tls.transports] as Array<[WebSocketTransport, WebSocketTransport]>) {
        const seen = watch(to, from.rank);
        expect(await to.linkRoute(from.rank, { timeoutMs: 5000 })).toBe('unix socket');
        for (let i = 0; i < 3; i++) {
          const got = to.recv(from.rank, tag(i), { timeoutMs: 5000 });
          await from.send(to.rank, tag(i), pattern(1 << 20, i));
          expect(Buffer.from(await got).equals(Buffer.from(pattern(1 << 20, i)))).toBe(true);
        }
        await settle();
        expect(seen.used).toBe(false);
      }
      expect(notices).toEqual(['a link on this machine carries payloads over its socket, not through shared memory (sending to rank 0: shared memory is off for this data plane)']);
    } finally {
      await Promise.all([...mixed.map((t) => t.close()), tls.cleanup()]);
    }
  });

  it('hold a shared file per receiving link while it is up, and give back descriptors and mappings when it closes', async () => {
    // The slots' memory is an anonymous file (nothing in /dev/shm, nothing left when a process dies): count this
    // process's descriptors of it and its mappings of it, both ends of both links being in this process.
    const descriptors = () => readdirSync('/proc/self/fd').filter((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`).startsWith('/memfd:ringtrain-slots'); } catch { return false; } }).length;
    const mappings = () => readFileSync('/proc/self/maps', 'utf8').split('\n').filter((line) => line.includes('/memfd:ringtrain-slots')).length;
    const before = [descriptors(), mappings()];
    const { transports: [a, b], cleanup } = await createGroup(2, { localSockets: true });
    try {
      await untilShared(a!, b!);
      await untilShared(b!, a!);
      expect(descriptors()).toBe(before[0]! + 2); // one per receiving end
      expect(mappings()).toBeGreaterThanOrEqual(before[1]! + 4); // both ends of both links (adjacent ones may merge)
    } finally {
      await cleanup();
    }
    expect([descriptors(), mappings()]).toEqual(before); // released by the time close() resolves
  });

  it('end a link whose receiver hands back a slot it was not given, offers slots over TCP or of another size, or sends anything else, with E_PROTOCOL', async () => {
    const seen = collectErrors();
    const sender = await WebSocketTransport.listen({ rank: 0, worldSize: 2, token: TOKEN, onError: seen.onError });
    try {
      const offer = { kind: 'offer', slots: SLOT_COUNT, slotBytes: SLOT_BYTES, pid: process.pid, fd: 0, inode: 0 } as const;
      for (const [bytes, why] of [
        [Buffer.from([2, 0]), 'rank 1 handed back slot 0 on a link without shared slots'],
        [encodeSlotMessage(offer), 'rank 1 offered shared slots on a link that is not a Unix socket'],
        [encodeSlotMessage({ ...offer, slotBytes: 1 << 30 }), `rank 1 offered ${SLOT_COUNT} slots of ${1 << 30} bytes; slots are ${SLOT_BYTES} bytes, at most ${SLOT_COUNT}`],
        [Buffer.from([9]), 'bad slot message: unknown kind 9'],
        ['text', 'rank 1 sent text on a receive-only link'],
      ] as const) {
        const { port, host } = sender.address;
        const client = new WebSocketClient(`ws://${host}:${port}/`, { headers: { [HEADER_TOKEN]: TOKEN, [HEADER_RANK]: '1', [HEADER_GENERATION]: '0', [HEADER_NONCE]: 'n' } });
        await once(client, 'open');
        const closed = once(client, 'close');
        client.send(bytes);
        const [code] = (await closed) as [number];
        expect(code).toBe(1002);
        await waitUntil(() => seen.errors.some((e) => e.detail === why));
        expect(seen.errors.find((e) => e.detail === why)).toMatchObject({ code: ErrorCodes.PROTOCOL, context: { rank: 0, peer: 1 } });
      }
    } finally {
      await sender.close();
    }
  });
});

describe('WebSocketTransport authentication', () => {
  it('refuses a peer with a wrong token with a clear reason on both sides, and keeps serving', async () => {
    const seen = collectErrors();
    // With Unix sockets on: the intruder's attempt shows that a wrong token does not even find the socket.
    const server = await WebSocketTransport.listen({ rank: 1, worldSize: 2, token: TOKEN, onError: seen.onError, localSockets: true });
    const intruder = await WebSocketTransport.listen({ rank: 0, worldSize: 2, token: 'guessed', localSockets: true });
    const honest = await WebSocketTransport.listen({ rank: 0, worldSize: 2, token: TOKEN });
    try {
      intruder.setPeers([server.address]);
      const err = (await intruder.connect([1]).catch((e) => e)) as RingtrainError;
      expect(err.code).toBe(ErrorCodes.AUTH);
      // Over TCP even on Linux: a peer with another token derives another socket name, finds nobody there and falls back.
      expect(err.message).toMatch(/peer 1 at 127\.0\.0\.1:\d+ refused the link: HTTP 401: E_AUTH: link from 127\.0\.0\.1:\d+ presented a wrong token/);
      expect(err.context).toMatchObject({ rank: 0, peer: 1 });
      await waitUntil(() => seen.errors.length > 0);
      expect(seen.errors[0]!.code).toBe(ErrorCodes.AUTH);
      expect(seen.errors[0]!.message).toMatch(/presented a wrong token \[rank 1, peer 0/);
      // The intruder's receives fail instead of hanging; the server serves an honest peer.
      await expect(intruder.recv(1, tag(0), { timeoutMs: 5000 })).rejects.toMatchObject({ code: ErrorCodes.PEER_CLOSED });
      honest.setPeers([server.address]);
      await honest.connect([1]);
      await server.send(0, tag(0), Uint8Array.of(9));
      expect(await honest.recv(1, tag(0), { timeoutMs: 5000 })).toEqual(new Uint8Array([9]));
    } finally {
      await Promise.all([server.close(), intruder.close(), honest.close()]);
    }
  });

  it('refuses a peer with no token', async () => {
    const seen = collectErrors();
    const server = await WebSocketTransport.listen({ rank: 1, worldSize: 2, token: TOKEN, onError: seen.onError });
    const anonymous = await WebSocketTransport.listen({ rank: 0, worldSize: 2 });
    try {
      anonymous.setPeers([server.address]);
      const err = (await anonymous.connect([1]).catch((e) => e)) as RingtrainError;
      expect(err.code).toBe(ErrorCodes.AUTH);
      await waitUntil(() => seen.errors.length > 0);
      expect(seen.errors[0]!.message).toMatch(/presented no token/);
    } finally {
      await Promise.all([server.close(), anonymous.close()]);
    }
  });

  it('refuses to receive from a listener that cannot prove it holds the token', async () => {
    const impostor = await fakeListener(() => undefined, false);
    const t = await WebSocketTransport.listen({ rank: 1, worldSize: 2, token: TOKEN });
    try {
      t.setPeers([impostor.address]);
      const err = (await t.connect([0]).catch((e) => e)) as RingtrainError;
      expect(err.code).toBe(ErrorCodes.AUTH);
      expect(err.message).toMatch(/could not prove it holds the run's token/);
    } finally {
      await Promise.all([t.close(), impostor.close()]);
    }
  });

  it('refuses a second link claiming a rank that is already connected, and a link of an older generation', async () => {
    const seen = collectErrors();
    const group = await createGroup(2, { onError: seen.onError, generation: 7 });
    const [a, b] = group.transports;
    const twin = await WebSocketTransport.listen({ rank: 0, worldSize: 2, token: TOKEN, generation: 7 });
    const stale = await WebSocketTransport.listen({ rank: 0, worldSize: 2, token: TOKEN, generation: 6 });
    try {
      await a!.connect([1]);
      twin.setPeers([b!.address]);
      const dup = (await twin.connect([1]).catch((e) => e)) as RingtrainError;
      expect(dup.message).toMatch(/HTTP 409: E_PROTOCOL: link from .* claims rank 0, which is already connected/);
      stale.setPeers([b!.address]);
      const err = (await stale.connect([1]).catch((e) => e)) as RingtrainError;
      expect(err.code).toBe(ErrorCodes.CONNECT);
      expect(err.message).toMatch(/generation 6, this ring is generation 7/);
      expect(seen.errors.filter((e) => e.code === ErrorCodes.PROTOCOL).length).toBe(2);
    } finally {
      await Promise.all([group.cleanup(), twin.close(), stale.close()]);
    }
  });

  it('fails with E_CONNECT after its deadline when nobody listens, and a send waits only as long', async () => {
    const t = await WebSocketTransport.listen({ rank: 0, worldSize: 2, connectTimeoutMs: 300 });
    try {
      t.setPeers([{ rank: 1, host: '127.0.0.1', port: 1 }]);
      const t0 = Date.now();
      const err = (await t.connect([1]).catch((e) => e)) as RingtrainError;
      expect(err.code).toBe(ErrorCodes.CONNECT);
      expect(err.message).toMatch(/gave up after 300 ms/);
      await expect(t.send(1, tag(0), Uint8Array.of(1))).rejects.toMatchObject({ code: ErrorCodes.TIMEOUT });
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      await t.close();
    }
  });
});

/** A WebSocket frame header as a (misbehaving) listener might write it, for hand-made frames. */
function rawFrame(firstByte: number, payload: Buffer, masked = false): Buffer {
  const head = Buffer.from([firstByte, (masked ? 0x80 : 0) | payload.length]);
  return Buffer.concat([head, masked ? Buffer.alloc(4) : Buffer.alloc(0), payload]);
}

describe('WebSocketTransport bad frames from a peer', () => {
  const header = (generation: number, payloadBytes: number) => encodeFrameHeader({ generation, step: 0, bucket: 0, phase: 0, chunk: 0, payloadBytes });
  const cases: Array<[string, (ws: WebSocket, socket: Socket) => void, string, RegExp]> = [
    ['a text message', (ws) => ws.send('hello'), ErrorCodes.PROTOCOL, /text message on the data plane/],
    ['a frame with bad magic', (ws) => ws.send(Buffer.alloc(40)), ErrorCodes.PROTOCOL, /bad magic/],
    ['a truncated frame', (ws) => ws.send(Buffer.from('RT')), ErrorCodes.PROTOCOL, /shorter than its 24-byte header/],
    [
      'a header whose length disagrees with the payload',
      (ws) => {
        ws.send(header(0, 100), { fin: false });
        ws.send(Buffer.alloc(10));
      },
      ErrorCodes.PROTOCOL,
      /announces 100 payload bytes but 10 arrived/,
    ],
    ['a frame of another generation', (ws) => ws.send(header(3, 0)), ErrorCodes.PROTOCOL, /frame of generation 3 on a generation-0 link/],
    [
      'a slot frame on a link that offered no slots',
      (ws) => ws.send(Buffer.concat([encodeFrameHeader({ generation: 0, step: 0, bucket: 0, phase: 0, chunk: 0, payloadBytes: 8, inSlot: true }), Buffer.alloc(4)])),
      ErrorCodes.PROTOCOL,
      /slot frame on a link that offered no shared slots/,
    ],
    ['a payload over the limit', (ws) => ws.send(Buffer.concat([header(0, 4096), Buffer.alloc(4096)])), ErrorCodes.OVERSIZE, /over the 1024-byte payload limit/],
    ['a masked frame', (_ws, socket) => socket.write(rawFrame(0x82, header(0, 0), true)), ErrorCodes.PROTOCOL, /masked/],
    ['reserved bits', (_ws, socket) => socket.write(rawFrame(0xc2, header(0, 0))), ErrorCodes.PROTOCOL, /RSV bits/],
  ];
  for (const [what, write, code, message] of cases) {
    it(`ends the link on ${what} with ${code}, fails receives from that peer, and keeps serving others`, async () => {
      const seen = collectErrors();
      const bad = await fakeListener((ws, socket) => write(ws, socket));
      const b = await WebSocketTransport.listen({ rank: 1, worldSize: 3, token: TOKEN, onError: seen.onError, maxPayloadBytes: 1024 });
      const c = await WebSocketTransport.listen({ rank: 2, worldSize: 3, token: TOKEN });
      try {
        b.setPeers([bad.address, b.address, c.address]);
        c.setPeers([bad.address, b.address, c.address]);
        const err = (await b.recv(0, tag(0), { timeoutMs: 5000 }).catch((e) => e)) as RingtrainError;
        expect(err.code).toBe(ErrorCodes.PEER_CLOSED);
        expect(err.message).toMatch(message);
        await waitUntil(() => seen.errors.some((e) => e.code === code));
        expect(seen.errors.find((e) => e.code === code)!.context).toMatchObject({ rank: 1, peer: 0 });
        await c.send(1, tag(1), Uint8Array.of(3));
        expect(await b.recv(2, tag(1), { timeoutMs: 5000 })).toEqual(new Uint8Array([3]));
      } finally {
        await Promise.all([b.close(), c.close(), bad.close()]);
      }
    });
  }
});

describe('DataPlane: one port, one ring per generation', () => {
  it('asks a link for a generation it has not joined yet to retry, and serves it once joined', async () => {
    const planes = await Promise.all([DataPlane.listen({ token: TOKEN }), DataPlane.listen({ token: TOKEN })]);
    const [p0, p1] = planes as [DataPlane, DataPlane];
    const peers = [{ rank: 0, ...p0.address }, { rank: 1, ...p1.address }];
    try {
      // Rank 0 joins generation 0 and pulls from rank 1, which has not joined yet: its listener answers 503
      // and the link is retried until rank 1 joins.
      const t0 = p0.join({ rank: 0, worldSize: 2, generation: 0 });
      t0.setPeers(peers);
      const received = t0.recv(1, tag(1), { timeoutMs: 5000 });
      await new Promise((r) => setTimeout(r, 150));
      const t1 = p1.join({ rank: 1, worldSize: 2, generation: 0 });
      t1.setPeers(peers);
      await t1.send(0, tag(1), Uint8Array.of(4, 2));
      expect([...(await received)]).toEqual([4, 2]);

      // Generation 1 on the same ports, roles swapped: the old links are gone, the new ring works.
      await Promise.all([t0.close(), t1.close()]);
      const n0 = p0.join({ rank: 1, worldSize: 2, generation: 1 });
      const n1 = p1.join({ rank: 0, worldSize: 2, generation: 1 });
      const swapped = [{ rank: 1, ...p0.address }, { rank: 0, ...p1.address }];
      n0.setPeers(swapped);
      n1.setPeers(swapped);
      const back = n1.recv(1, tag(2), { timeoutMs: 5000 });
      await n0.send(0, tag(2), Uint8Array.of(7));
      expect([...(await back)]).toEqual([7]);
      expect(() => p0.join({ rank: 0, worldSize: 2, generation: 1 })).toThrow(/cannot join generation 1 after generation 1/);
    } finally {
      await Promise.all(planes.map((p) => p.close()));
    }
  });
});
