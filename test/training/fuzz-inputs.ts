// Hostile and broken inputs for the fuzz test: control-plane messages that are valid msgpack with wrong fields,
// random msgpack, truncated and random bytes (with length prefixes claiming gigabytes), text frames and oversize
// payloads; and data-plane connection attempts (garbage, bad upgrades, wrong or missing tokens, impossible rank and
// generation claims). Seeded, so a failure reproduces.

import { pack } from 'msgpackr';

/** Mulberry32: small, seeded, good enough to pick mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** The control protocol's version (PROTOCOL_VERSION of libs/protocol): mutations start from messages that pass it. */
const V = 2;

/** Messages of every type as a worker or coordinator would send them, to start mutations from. */
const BASES: Record<string, unknown>[] = [
  { type: 'hello', v: V, host: 'fuzz', nodeRank: 0, localRank: 0, localWorldSize: 1, dataPlane: { host: '127.0.0.1', port: 1 }, pid: 1, backend: 'wasm' },
  { type: 'report', v: V, rank: 0, generation: 0, steps: [{ step: 3, epoch: 0, loss: 1, lr: 0.1, gradNorm: 1, samples: 32, timings: { computeMs: 1, commMs: 1, stepMs: 2 } }] },
  { type: 'heartbeat', v: V, rank: 0, seq: 1, timeMs: 1 },
  { type: 'done', v: V, rank: 1, generation: 0, steps: 9, paramHash: 'ab'.repeat(32), computeMs: 1, commMs: 1, trainMs: 2 },
  { type: 'error', v: V, code: 'E_PROTOCOL', message: 'fuzz' },
  { type: 'welcome', v: V, rank: 0, worldSize: 1, generation: 0, ring: [{ rank: 0, host: 'h', port: 1 }], config: {}, plannedWorldSize: 1, elastic: false },
  { type: 'evaluation', v: V, rank: 0, result: { step: 1, epoch: 1, testLoss: 1, testAccuracy: 0.5, count: 10 } },
  { type: 'checkpoint', v: V, step: 1, path: '/tmp/x' },
];

function randomValue(random: Random, depth = 0): unknown {
  const r = random();
  if (depth > 3 || r < 0.15) return pick(random, [Number.NaN, -1, 2 ** 40, 1.5, Number.POSITIVE_INFINITY, 0, -0, 2 ** 53 + 2]);
  if (r < 0.3) return pick(random, ['', 'x'.repeat(5000), '__proto__', 'constructor', 'E_X', '\u0000\uffff']);
  if (r < 0.4) return pick(random, [null, true, false, undefined]);
  if (r < 0.5) return Buffer.from([1, 2, 3]);
  if (r < 0.6) return 2n ** 63n - 1n;
  if (r < 0.8) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, (_, i) => [pick(random, ['type', 'v', 'rank', 'step', `k${i}`, '__proto__']), randomValue(random, depth + 1)]));
}

function mutated(random: Random): Buffer {
  const msg: Record<string, unknown> = structuredClone(pick(random, BASES));
  const keys = Object.keys(msg);
  const edits = 1 + Math.floor(random() * 3);
  for (let i = 0; i < edits; i++) {
    const r = random();
    const key = pick(random, keys);
    if (r < 0.4) msg[key] = randomValue(random);
    else if (r < 0.6) delete msg[key];
    else if (r < 0.75) msg[`extra${i}`] = randomValue(random);
    else if (r < 0.9) msg.type = pick(random, ['gossip', 'toString', 'hello', 'report', '', 'shutdown', 'reform', 'commit']);
    else msg.v = pick(random, [0, 2, '1', 1.5, -1]);
  }
  return pack(msg);
}

/** Bytes whose msgpack header claims far more data than follows (str32, bin32, array32, map32). */
function hugeLengthPrefix(random: Random): Buffer {
  const head = pick(random, [0xdb, 0xc6, 0xdd, 0xdf]);
  return Buffer.from([head, 0xff, 0xff, 0xff, 0xf0, 1, 2, 3]);
}

export type ControlInput = { kind: string; data: Buffer | string; token: 'right' | 'wrong' | 'none' };

/** The next control-plane input. Most use the right token, so they reach the decoder; some test the upgrade. */
export function controlInput(random: Random): ControlInput {
  const r = random();
  const token: ControlInput['token'] = r < 0.05 ? 'none' : r < 0.1 ? 'wrong' : 'right';
  const k = random();
  if (k < 0.45) return { kind: 'mutated', data: mutated(random), token };
  if (k < 0.6) return { kind: 'random-msgpack', data: pack(randomValue(random)), token };
  if (k < 0.72) {
    const whole = pack(pick(random, BASES));
    return { kind: 'truncated', data: whole.subarray(0, Math.floor(random() * whole.length)), token };
  }
  if (k < 0.84) return { kind: 'random-bytes', data: Buffer.from(Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256))), token };
  if (k < 0.92) return { kind: 'huge-length', data: hugeLengthPrefix(random), token };
  if (k < 0.99) return { kind: 'text', data: 'hello? {"type":"hello"}', token };
  return { kind: 'oversize', data: Buffer.alloc((1 << 20) + 17, 0x90), token };
}

/** The next raw bytes to write to a data-plane port (an HTTP upgrade, good or bad, or garbage). */
export function dataPlaneInput(random: Random, token: string, port: number): Buffer {
  const r = random();
  if (r < 0.2) return Buffer.from(Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
  const headers = [
    `GET / HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  ];
  const t = random();
  if (t < 0.3) headers.push(`x-ringtrain-token: ${token}`);
  else if (t < 0.6) headers.push('x-ringtrain-token: guessed');
  headers.push(`x-ringtrain-rank: ${pick(random, ['0', '1', '7', '-1', 'x', '99999999999', ''])}`);
  headers.push(`x-ringtrain-generation: ${pick(random, ['0', '1', '4294967296', 'g', ''])}`);
  if (random() < 0.1) headers.push(`x-long: ${'a'.repeat(20000)}`);
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n`);
}
