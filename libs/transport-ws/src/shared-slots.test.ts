// The slots without sockets: both ends mapped in this one process (two regions of the SIMD memory over one shared
// file, the sender's end opened through /proc as a peer process opens it), a FrameWriter that records what the link
// would carry.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, ProtocolError, TransportError } from '@ringtrain/common';
import { decodeSlotMessage } from '@ringtrain/protocol';
import { sharedRegionPageBytes } from '@ringtrain/native-socket';
import { InboundSlots, MIN_SLOT_PAYLOAD, OutboundSlots } from './shared-slots.js';

// As in native-socket's tests: CI sets RINGTRAIN_EXPECT_NATIVE_SOCKET=1 so that an addon that did not build fails here.
const supported = process.platform === 'linux' && (typeof sharedRegionPageBytes() === 'number' || process.env['RINGTRAIN_EXPECT_NATIVE_SOCKET'] === '1');
const SLOT = 2 * MIN_SLOT_PAYLOAD;
const ctx = { rank: 1, peer: 0 };
const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

/** Two slots of SLOT bytes, offered and accepted; `written` lists the slot (or 'socket') of each message in link order. */
function pair(count = 2) {
  const inbound = InboundSlots.create(undefined, count, SLOT);
  if (typeof inbound === 'string') throw new Error(inbound);
  const offer = decodeSlotMessage(inbound.offer());
  if (offer.kind !== 'offer') throw new Error('not an offer');
  const outbound = OutboundSlots.accept(offer, ctx);
  if (typeof outbound === 'string') throw new Error(outbound);
  const written: Array<number | 'socket'> = [];
  const write = (slot: number | undefined) => {
    written.push(slot ?? 'socket');
    return Promise.resolve();
  };
  return { inbound, outbound, offer, written, write };
}

describe.runIf(supported)('shared slots', () => {
  it("carry a payload from the sender into the receiver's slot", async () => {
    const { inbound, outbound, offer, written, write } = pair();
    expect([offer.slots, offer.slotBytes, offer.pid]).toEqual([2, SLOT, process.pid]);
    const payload = pattern(SLOT, 3);
    await outbound.send(payload, write).done;
    payload.fill(0); // the caller may reuse it at once: the bytes are in the slot
    expect(written).toEqual([0]);
    expect(Buffer.from(inbound.payload(0, SLOT, ctx)).equals(Buffer.from(pattern(SLOT, 3)))).toBe(true);
    outbound.close('done');
    inbound.release();
  });

  it('send small and oversized payloads over the socket, in their turn behind sends that wait for a slot', async () => {
    const { inbound, outbound, written, write } = pair();
    const sends = [
      outbound.send(pattern(MIN_SLOT_PAYLOAD, 1), write), // slot 0
      outbound.send(pattern(MIN_SLOT_PAYLOAD - 1, 2), write), // socket: small
      outbound.send(pattern(SLOT, 3), write), // slot 1
      outbound.send(pattern(SLOT, 4), write), // waits: both slots in use
      outbound.send(pattern(10, 5), write), // waits behind it, although it needs no slot
      outbound.send(pattern(SLOT + 1, 6), write), // socket: too big, also behind
    ].map((s) => s.done);
    let settled = 0;
    sends.forEach((s) => void s.then(() => settled++));
    await new Promise((r) => setTimeout(r, 10));
    expect([written, settled]).toEqual([[0, 'socket', 1], 3]);
    outbound.release(1);
    await Promise.all(sends);
    expect(written).toEqual([0, 'socket', 1, 1, 'socket', 'socket']);
    expect(Buffer.from(inbound.payload(1, SLOT, ctx)).equals(Buffer.from(pattern(SLOT, 4)))).toBe(true);
    outbound.close('done');
    inbound.release();
  });

  it('refuse a slot handed back twice, or one that does not exist, with E_PROTOCOL', () => {
    const { inbound, outbound } = pair();
    for (const slot of [0, 2]) {
      const err = (() => {
        try {
          outbound.release(slot);
        } catch (e) {
          return e as ProtocolError;
        }
      })();
      expect(err).toBeInstanceOf(ProtocolError);
      expect([err!.code, err!.detail, err!.context]).toEqual([ErrorCodes.PROTOCOL, `peer handed back slot ${slot}, which it was not holding (2 slots)`, ctx]);
    }
    outbound.close('done');
    inbound.release();
  });

  it('refuse a slot frame the slots cannot hold with E_PROTOCOL', () => {
    const { inbound, outbound } = pair();
    expect(() => inbound.payload(2, 1, ctx)).toThrow(`slot frame names slot 2 for 1 bytes; this link has 2 slots of ${SLOT} bytes`);
    expect(() => inbound.payload(0, SLOT + 1, ctx)).toThrow(ProtocolError);
    outbound.close('done');
    inbound.release();
  });

  it.each([
    ['the link closes', 'link closed (code 1006)', ErrorCodes.PEER_CLOSED],
    ['this rank closes the transport', 'transport closed', ErrorCodes.CLOSED],
  ] as const)('fail sends still waiting for a slot when %s, and every later one', async (_when, reason, code) => {
    const { inbound, outbound, write } = pair(1);
    await outbound.send(pattern(SLOT, 1), write).done;
    const waiting = outbound.send(pattern(SLOT, 2), write).done.catch((e: TransportError) => e);
    outbound.close(reason, code);
    const later = outbound.send(pattern(SLOT, 3), write).done.catch((e: TransportError) => e);
    for (const err of [await waiting, await later]) {
      expect(err).toBeInstanceOf(TransportError);
      expect([(err as TransportError).code, (err as TransportError).detail]).toEqual([code, `link closed while a send waited for a shared slot: ${reason}`]);
    }
    inbound.release();
  });

  it('take a cancelled send out of the line, never copying its payload, and let the ones behind it go', async () => {
    const { inbound, outbound, written, write } = pair(1);
    await outbound.send(pattern(SLOT, 1), write).done; // slot 0, held by the receiver
    const given = pattern(SLOT, 2);
    const cancelled = outbound.send(given, write);
    const behind = outbound.send(pattern(10, 3), write);
    cancelled.cancel(); // its caller timed out: the small send behind it goes at once
    await behind.done;
    await expect(cancelled.done).rejects.toMatchObject({ code: ErrorCodes.ABORTED });
    expect(written).toEqual([0, 'socket']);
    outbound.release(0);
    expect(written).toEqual([0, 'socket']); // the cancelled one never runs
    expect(Buffer.from(inbound.payload(0, SLOT, ctx)).equals(Buffer.from(pattern(SLOT, 1)))).toBe(true);
    outbound.close('done', ErrorCodes.CLOSED);
    inbound.release();
  });

  it('take back a slot whose announcement could not be written', async () => {
    const { inbound, outbound } = pair(1);
    const failing = () => Promise.reject(new TransportError(ErrorCodes.PEER_CLOSED, 'link to peer 0 is closed'));
    await expect(outbound.send(pattern(SLOT, 1), failing).done).rejects.toThrow('link to peer 0 is closed');
    const written: Array<number | undefined> = [];
    await outbound.send(pattern(SLOT, 2), (slot) => (written.push(slot), Promise.resolve())).done; // slot 0 is free again
    expect(written).toEqual([0]);
    outbound.close('done');
    inbound.release();
  });

  it('say why when the offered file cannot be mapped', () => {
    const outbound = OutboundSlots.accept({ kind: 'offer', slots: 2, slotBytes: SLOT, pid: process.pid, fd: 999_999, inode: 1 }, ctx);
    expect(outbound).toBe('open(/proc/PID/fd/FD): No such file or directory');
  });
});
