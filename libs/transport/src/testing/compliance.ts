// The compliance suite every Transport implementation must pass (js-libp2p style): one set of
// behaviours, run against each implementation by handing it a factory.

import { describe, expect, it } from 'vitest';
import { ErrorCodes, isRingtrainError } from '@ringtrain/common';
import type { MessageTag, PayloadSink, Transport } from '../transport.js';

export interface TransportGroup {
  /** transports[i] has rank i; all of one world. */
  transports: Transport[];
  /** Releases everything the group holds (servers, sockets). Called after each test. */
  cleanup(): Promise<void>;
}

export interface ComplianceOptions {
  /** Creates a connected group of `worldSize` transports. */
  createGroup(worldSize: number): Promise<TransportGroup>;
  /**
   * Kills rank `rank` abruptly while it is in the middle of sending `payload` to `peer`, as a crashed process
   * would (only part of the message leaves). Implementations without partial sends may omit it.
   */
  killMidMessage?(group: TransportGroup, rank: number, peer: number, payload: Uint8Array): Promise<void>;
}

const tag = (step: number, chunk = 0, bucket = 0, phase = 1): MessageTag => ({ step, bucket, phase, chunk });

/** Bytes that depend on sender, index and position, so a misrouted or reordered message cannot pass. */
export function patternBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 17 + (i >>> 8)) & 0xff;
  return out;
}

/** Byte equality without vitest's per-element deep-equal (which takes seconds on megabytes). */
function expectBytes(got: Uint8Array, expected: Uint8Array): void {
  expect(got.length).toBe(expected.length);
  expect(Buffer.from(got.buffer, got.byteOffset, got.length).equals(expected), 'payload bytes differ').toBe(true);
}

/** A sink that copies the pieces it is given, and counts them. */
function collectingSink(byteLength: number): PayloadSink & { bytes: Uint8Array; filled: number; pieces: number } {
  const bytes = new Uint8Array(byteLength);
  return {
    byteLength,
    bytes,
    filled: 0,
    pieces: 0,
    write(piece) {
      bytes.set(piece, this.filled);
      this.filled += piece.length;
      this.pieces++;
    },
  };
}

/** A collecting sink that also offers its own buffer for direct placement (reserve/commit). */
function placingSink(byteLength: number): ReturnType<typeof collectingSink> & { placed: number } {
  const sink = collectingSink(byteLength);
  return Object.assign(sink, {
    placed: 0,
    reserve(max: number) {
      return sink.bytes.subarray(sink.filled, sink.filled + Math.min(max, 100_000)); // regions smaller than the payload
    },
    commit(this: { placed: number }, n: number) {
      sink.filled += n;
      this.placed += n;
    },
  });
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRingtrainError(err), `expected a RingtrainError with ${code}, got ${String(err)}`).toBe(true);
  expect((err as { code: string }).code).toBe(code);
}

export function transportComplianceSuite(name: string, opts: ComplianceOptions): void {
  const withGroup = (worldSize: number, body: (t: Transport[], g: TransportGroup) => Promise<void>) => async () => {
    const group = await opts.createGroup(worldSize);
    try {
      await body(group.transports, group);
    } finally {
      await group.cleanup();
    }
  };

  describe(`Transport compliance: ${name}`, () => {
    it('reports rank and world size', withGroup(3, async (t) => {
      expect(t.map((x) => x.rank)).toEqual([0, 1, 2]);
      expect(t.map((x) => x.worldSize)).toEqual([3, 3, 3]);
    }));

    it('delivers messages between two peers in send order', withGroup(2, async ([a, b]) => {
      const n = 200;
      const sends: Promise<void>[] = [];
      for (let i = 0; i < n; i++) sends.push(a!.send(1, tag(7), patternBytes(64 + i, i)));
      for (let i = 0; i < n; i++) expectBytes(await b!.recv(0, tag(7)), patternBytes(64 + i, i));
      await Promise.all(sends);
    }));

    it('carries one big message intact (24 MiB)', withGroup(2, async ([a, b]) => {
      const big = patternBytes(24 << 20, 3);
      const [, got] = await Promise.all([a!.send(1, tag(1), big), b!.recv(0, tag(1), { timeoutMs: 30_000 })]);
      expectBytes(got, big);
    }), 60_000);

    it('carries one-byte and empty messages', withGroup(2, async ([a, b]) => {
      await a!.send(1, tag(1), Uint8Array.of(42));
      await a!.send(1, tag(2), new Uint8Array(0));
      expectBytes(await b!.recv(0, tag(2)), new Uint8Array(0));
      expectBytes(await b!.recv(0, tag(1)), Uint8Array.of(42));
    }));

    it('matches many small messages by tag, whatever order they are received in', withGroup(2, async ([a, b]) => {
      const n = 2000;
      await Promise.all(Array.from({ length: n }, (_, i) => a!.send(1, tag(5, i, i % 3, i % 7), patternBytes(8, i))));
      for (let i = n - 1; i >= 0; i--) expectBytes(await b!.recv(0, tag(5, i, i % 3, i % 7)), patternBytes(8, i));
    }));

    it('delivers to a receive that was waiting before the send', withGroup(2, async ([a, b]) => {
      const pending = b!.recv(0, tag(9));
      await new Promise((r) => setTimeout(r, 20));
      await a!.send(1, tag(9), Uint8Array.of(1, 2, 3));
      expectBytes(await pending, Uint8Array.of(1, 2, 3));
    }));

    it('lets every rank exchange with every other rank at once', withGroup(4, async (t) => {
      const ops: Promise<unknown>[] = [];
      for (const src of t) {
        for (const dst of t) {
          if (src === dst) continue;
          ops.push(src.send(dst.rank, tag(src.rank), patternBytes(4096, src.rank * 10 + dst.rank)));
          ops.push(dst.recv(src.rank, tag(src.rank)).then((got) => expectBytes(got, patternBytes(4096, src.rank * 10 + dst.rank))));
        }
      }
      await Promise.all(ops);
    }));

    it('the sender may reuse its buffer once send resolves (Uint8Array or Buffer)', withGroup(2, async ([a, b]) => {
      for (const buf of [patternBytes(1 << 20, 1), Buffer.from(patternBytes(4096, 2))]) {
        const expected = new Uint8Array(buf);
        await a!.send(1, tag(1), buf);
        buf.fill(0);
        expectBytes(await b!.recv(0, tag(1)), expected);
      }
    }));

    it('streams a payload into a sink posted before the message arrives, in order', withGroup(2, async ([a, b]) => {
      const big = patternBytes(8 << 20, 4);
      const sink = collectingSink(big.length);
      await Promise.all([b!.recvInto(0, tag(1), sink, { timeoutMs: 30_000 }), a!.send(1, tag(1), big)]);
      expect(sink.filled).toBe(big.length);
      expectBytes(sink.bytes, big);
    }), 30_000);

    it('delivers big and small payloads exactly into sinks that offer regions, one after the other', withGroup(2, async ([a, b]) => {
      const payloads = [patternBytes(3 << 20, 6), patternBytes(7, 7), patternBytes(0, 8), patternBytes(250_001, 9)];
      const sinks = payloads.map((p) => placingSink(p.length));
      await Promise.all([...payloads.map((p, i) => b!.recvInto(0, tag(10 + i), sinks[i]!, { timeoutMs: 30_000 })), ...payloads.map((p, i) => a!.send(1, tag(10 + i), p))]);
      payloads.forEach((p, i) => {
        expect(sinks[i]!.filled).toBe(p.length);
        expectBytes(sinks[i]!.bytes, p);
      });
    }), 30_000);

    it('streams queued messages of one size into sinks exactly, round after round (a transport may reuse their memory)', withGroup(2, async ([a, b]) => {
      for (let round = 0; round < 3; round++) {
        const sent = [0, 1, 2].map((i) => patternBytes(300_000, 20 + round * 3 + i));
        for (const [i, p] of sent.entries()) await a!.send(1, tag(100 + round * 3 + i), p);
        await b!.recv(0, tag(99), { timeoutMs: 50 }).catch(() => undefined); // let all three land unclaimed
        for (const [i, p] of sent.entries()) {
          const sink = collectingSink(p.length);
          await b!.recvInto(0, tag(100 + round * 3 + i), sink, { timeoutMs: 5000 });
          expectBytes(sink.bytes, p);
        }
      }
    }));

    it('streams a message that was already queued into a sink', withGroup(2, async ([a, b]) => {
      await a!.send(1, tag(2), patternBytes(1000, 5));
      await b!.recv(0, tag(99), { timeoutMs: 50 }).catch(() => undefined); // give the message time to land
      const sink = collectingSink(1000);
      await b!.recvInto(0, tag(2), sink, { timeoutMs: 5000 });
      expectBytes(sink.bytes, patternBytes(1000, 5));
    }));

    it('fails a sink receive whose message has another length with E_COLLECTIVE_MISUSE', withGroup(2, async ([a, b]) => {
      const failed = expectCode(b!.recvInto(0, tag(3), collectingSink(100), { timeoutMs: 5000 }), ErrorCodes.COLLECTIVE_MISUSE);
      await a!.send(1, tag(3), patternBytes(104, 1));
      await failed;
      // The transport is still usable afterwards.
      await a!.send(1, tag(4), Uint8Array.of(8));
      expectBytes(await b!.recv(0, tag(4), { timeoutMs: 5000 }), Uint8Array.of(8));
    }));

    it('times out a sink receive with E_TIMEOUT', withGroup(2, async ([, b]) => {
      await expectCode(b!.recvInto(0, tag(1), collectingSink(4), { timeoutMs: 50 }), ErrorCodes.TIMEOUT);
    }));

    it('times out a receive with E_TIMEOUT and consumes nothing', withGroup(2, async ([a, b]) => {
      const t0 = Date.now();
      await expectCode(b!.recv(0, tag(1), { timeoutMs: 50 }), ErrorCodes.TIMEOUT);
      expect(Date.now() - t0).toBeLessThan(2000);
      await a!.send(1, tag(1), Uint8Array.of(5));
      expectBytes(await b!.recv(0, tag(1), { timeoutMs: 5000 }), Uint8Array.of(5));
    }));

    it('aborts a receive through its AbortSignal with E_ABORTED', withGroup(2, async ([a, b]) => {
      const ctl = new AbortController();
      const pending = b!.recv(0, tag(1), { signal: ctl.signal });
      ctl.abort();
      await expectCode(pending, ErrorCodes.ABORTED);
      await expectCode(b!.recv(0, tag(1), { signal: AbortSignal.abort() }), ErrorCodes.ABORTED);
      await expectCode(a!.send(1, tag(1), Uint8Array.of(1), { signal: AbortSignal.abort() }), ErrorCodes.ABORTED);
    }));

    it('fails a pending receive with E_PEER_CLOSED when the peer closes, but delivers what it sent first', withGroup(2, async ([a, b]) => {
      await a!.send(1, tag(1), Uint8Array.of(7));
      const t0 = Date.now();
      const failed = expectCode(b!.recv(0, tag(2), { timeoutMs: 10_000 }), ErrorCodes.PEER_CLOSED);
      await a!.close();
      await failed;
      expect(Date.now() - t0).toBeLessThan(5000);
      expectBytes(await b!.recv(0, tag(1), { timeoutMs: 5000 }), Uint8Array.of(7));
      await expectCode(b!.recv(0, tag(3), { timeoutMs: 5000 }), ErrorCodes.PEER_CLOSED);
    }));

    it('fails pending receives with E_CLOSED on close, and close is idempotent', withGroup(2, async ([, b]) => {
      const failed = expectCode(b!.recv(0, tag(1)), ErrorCodes.CLOSED);
      await b!.close();
      await b!.close();
      await failed;
      await expectCode(b!.send(0, tag(1), Uint8Array.of(1)), ErrorCodes.CLOSED);
    }));

    it('refuses a send to itself or to a rank outside the world', withGroup(2, async ([a]) => {
      expect(() => a!.send(0, tag(1), Uint8Array.of(1))).toThrow(/peer must be another rank/);
      expect(() => a!.send(2, tag(1), Uint8Array.of(1))).toThrow(/peer must be another rank/);
    }));

    if (opts.killMidMessage) {
      const kill = opts.killMidMessage;
      it('fails a receive with E_PEER_CLOSED when the peer dies in the middle of a message', withGroup(2, async ([, b], g) => {
        const failed = expectCode(b!.recv(0, tag(1), { timeoutMs: 10_000 }), ErrorCodes.PEER_CLOSED);
        await kill(g, 0, 1, patternBytes(64 << 20, 9));
        await failed;
      }), 30_000);
    }
  });
}
