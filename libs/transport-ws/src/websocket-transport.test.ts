import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ErrorCodes, type RingtrainError } from '@ringtrain/common';
import { encodeFrameHeader } from '@ringtrain/protocol';
import { transportComplianceSuite, type TransportGroup } from '@ringtrain/transport/testing';
import { HEADER_GENERATION, HEADER_RANK, HEADER_TOKEN } from './auth.js';
import { WebSocketTransport, type WebSocketTransportOptions } from './websocket-transport.js';

const TOKEN = 'compliance-token';

async function createGroup(worldSize: number, extra: Partial<WebSocketTransportOptions> = {}): Promise<TransportGroup & { transports: WebSocketTransport[] }> {
  const transports = await Promise.all(
    Array.from({ length: worldSize }, (_, rank) => WebSocketTransport.listen({ rank, worldSize, token: TOKEN, ...extra })),
  );
  const peers = transports.map((t) => t.address);
  for (const t of transports) t.setPeers(peers);
  return { transports, cleanup: async () => void (await Promise.all(transports.map((t) => t.close()))) };
}

/** A raw authenticated client of `target`'s listener, claiming `rank`, to write bytes the transport never would. */
async function rawLink(target: WebSocketTransport, rank: number, token = TOKEN): Promise<WebSocket> {
  const { host, port } = target.address;
  const ws = new WebSocket(`ws://${host}:${port}/`, {
    headers: { [HEADER_TOKEN]: token, [HEADER_RANK]: String(rank), [HEADER_GENERATION]: String(target.generation) },
    perMessageDeflate: false,
    generateMask: (m) => void m.fill(0),
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}

/** WebSocket frame header for an unmasked-by-zero-key client frame (RFC 6455 5.2), for hand-made frames. */
function wsFrameHeader(opcode: number, fin: boolean, length: number): Buffer {
  const h = Buffer.alloc(2 + 8 + 4);
  h[0] = (fin ? 0x80 : 0) | opcode;
  h[1] = 0x80 | 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  return h; // the 4 mask bytes stay zero
}

transportComplianceSuite('WebSocketTransport', {
  createGroup: (n) => createGroup(n),
  async killMidMessage(group, rank, peer, payload) {
    const target = group.transports[peer] as WebSocketTransport;
    const ws = await rawLink(target, rank);
    const header = encodeFrameHeader({ generation: 0, step: 1, bucket: 0, phase: 1, chunk: 0, payloadBytes: payload.length });
    ws.send(header, { fin: false });
    const socket = (ws as unknown as { _socket: Socket })._socket;
    socket.write(wsFrameHeader(0x0, true, payload.length));
    socket.write(payload.subarray(0, payload.length >> 3));
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
  },
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

describe('WebSocketTransport authentication', () => {
  it('refuses a peer with a wrong token with a clear reason on both sides, and keeps serving', async () => {
    const seen = collectErrors();
    const server = await WebSocketTransport.listen({ rank: 1, worldSize: 2, token: TOKEN, onError: seen.onError });
    const intruder = await WebSocketTransport.listen({ rank: 0, worldSize: 2, token: 'guessed' });
    const honest = await WebSocketTransport.listen({ rank: 0, worldSize: 2, token: TOKEN });
    try {
      intruder.setPeers([server.address]);
      const err = (await intruder.send(1, { step: 0, bucket: 0, phase: 0, chunk: 0 }, Uint8Array.of(1)).catch((e) => e)) as RingtrainError;
      expect(err.code).toBe(ErrorCodes.AUTH);
      expect(err.message).toMatch(/peer 1 at 127\.0\.0\.1:\d+ refused the link: HTTP 401: E_AUTH: link from .* presented a wrong token/);
      expect(err.context).toMatchObject({ rank: 0, peer: 1 });
      await waitUntil(() => seen.errors.length > 0);
      expect(seen.errors[0]!.code).toBe(ErrorCodes.AUTH);
      expect(seen.errors[0]!.message).toMatch(/presented a wrong token \[rank 1, peer 0/);

      honest.setPeers([server.address]);
      await honest.send(1, { step: 0, bucket: 0, phase: 0, chunk: 0 }, Uint8Array.of(9));
      expect(await server.recv(0, { step: 0, bucket: 0, phase: 0, chunk: 0 }, { timeoutMs: 5000 })).toEqual(Buffer.of(9));
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

  it('refuses a second link claiming a rank that is already connected, and a link of another generation', async () => {
    const seen = collectErrors();
    const group = await createGroup(2, { onError: seen.onError });
    const [a, b] = group.transports;
    try {
      await a!.connect([1]);
      const dup = (await rawLink(b!, 0).catch((e) => e)) as Error;
      expect(dup.message).toMatch(/409/);
      await waitUntil(() => seen.errors.some((e) => /already connected/.test(e.message)));
      const stale = await WebSocketTransport.listen({ rank: 0, worldSize: 2, token: TOKEN, generation: 7 });
      stale.setPeers([b!.address]);
      const err = (await stale.connect([1]).catch((e) => e)) as RingtrainError;
      expect(err.code).toBe(ErrorCodes.CONNECT);
      expect(err.message).toMatch(/generation 7, this ring is generation 0/);
      await stale.close();
    } finally {
      await group.cleanup();
    }
  });

  it('fails with E_CONNECT after its deadline when nobody listens', async () => {
    const t = await WebSocketTransport.listen({ rank: 0, worldSize: 2, connectTimeoutMs: 300 });
    try {
      t.setPeers([{ rank: 1, host: '127.0.0.1', port: 1 }]);
      const t0 = Date.now();
      const err = (await t.connect([1]).catch((e) => e)) as RingtrainError;
      expect(err.code).toBe(ErrorCodes.CONNECT);
      expect(err.message).toMatch(/gave up after 300 ms/);
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      await t.close();
    }
  });
});

describe('WebSocketTransport bad frames', () => {
  const cases: Array<[string, (ws: WebSocket) => void, string, RegExp]> = [
    ['a text message', (ws) => ws.send('hello'), ErrorCodes.PROTOCOL, /text message/],
    ['a frame with bad magic', (ws) => ws.send(Buffer.alloc(40)), ErrorCodes.PROTOCOL, /bad magic/],
    ['a truncated frame', (ws) => ws.send(Buffer.from('RT')), ErrorCodes.PROTOCOL, /shorter than its 24-byte header/],
    [
      'a header whose length disagrees with the payload',
      (ws) => {
        ws.send(encodeFrameHeader({ generation: 0, step: 0, bucket: 0, phase: 0, chunk: 0, payloadBytes: 100 }), { fin: false });
        ws.send(Buffer.alloc(10));
      },
      ErrorCodes.PROTOCOL,
      /announces 100 payload bytes but 10 arrived/,
    ],
    [
      'a frame of another generation',
      (ws) => ws.send(Buffer.concat([encodeFrameHeader({ generation: 3, step: 0, bucket: 0, phase: 0, chunk: 0, payloadBytes: 0 })])),
      ErrorCodes.PROTOCOL,
      /frame of generation 3 on a generation-0 link/,
    ],
    ['a payload over the limit', (ws) => ws.send(Buffer.alloc(4096)), ErrorCodes.OVERSIZE, /Max payload size exceeded/],
  ];
  for (const [what, write, code, message] of cases) {
    it(`closes the link on ${what} with ${code}, fails pending receives from that peer, and keeps serving others`, async () => {
      const seen = collectErrors();
      const group = await createGroup(3, { onError: seen.onError, maxPayloadBytes: 1024 });
      const [, b, c] = group.transports;
      try {
        const pending = b!.recv(0, { step: 0, bucket: 0, phase: 0, chunk: 0 }, { timeoutMs: 5000 });
        const ws = await rawLink(b!, 0);
        write(ws);
        const err = (await pending.catch((e) => e)) as RingtrainError;
        expect(err.code).toBe(ErrorCodes.PEER_CLOSED);
        expect(err.message).toMatch(message);
        expect(seen.errors.map((e) => e.code)).toContain(code);
        expect(seen.errors.find((e) => e.code === code)!.context).toMatchObject({ rank: 1, peer: 0 });
        await c!.send(1, { step: 1, bucket: 0, phase: 0, chunk: 0 }, Uint8Array.of(3));
        expect(await b!.recv(2, { step: 1, bucket: 0, phase: 0, chunk: 0 }, { timeoutMs: 5000 })).toEqual(Buffer.of(3));
      } finally {
        await group.cleanup();
      }
    });
  }
});
