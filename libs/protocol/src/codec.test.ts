import { describe, expect, it } from 'vitest';
import { sampleMessages } from '../test/sample-messages.js';
import { DEFAULT_MAX_CONTROL_MESSAGE_BYTES, MAX_WORLD_SIZE, PROTOCOL_VERSION, decodeMessage, encodeMessage, type Message } from './index.js';

describe('encodeMessage / decodeMessage', () => {
  it.each(Object.values(sampleMessages))('round-trips a $type message', (msg) => {
    const decoded = decodeMessage(encodeMessage(msg));
    expect(decoded).toStrictEqual(msg);
  });

  it('writes a plain msgpack map: golden bytes of a commit', () => {
    const bytes = encodeMessage({ type: 'commit', v: PROTOCOL_VERSION, generation: 2, step: 1200 });
    const str = (s: string) => [0xa0 | s.length, ...Buffer.from(s)];
    expect([...bytes]).toEqual([
      0x84, // fixmap, 4 entries
      ...str('type'), ...str('commit'),
      ...str('v'), PROTOCOL_VERSION, // positive fixint
      ...str('generation'), 0x02,
      ...str('step'), 0xcd, 0x04, 0xb0, // uint 16: 1200 = 0x04b0
    ]);
  });

  it('leaves out optional fields that are undefined', () => {
    const without = encodeMessage({ type: 'heartbeat', v: PROTOCOL_VERSION, seq: 1, timeMs: 5 });
    const withUndefined = encodeMessage({ type: 'heartbeat', v: PROTOCOL_VERSION, rank: undefined, seq: 1, timeMs: 5 });
    expect(withUndefined).toEqual(without);
    expect(decodeMessage(withUndefined)).not.toHaveProperty('rank');
  });

  it('keeps floats exact (float 64 on the wire)', () => {
    const report = { ...sampleMessages.report, steps: [{ ...sampleMessages.report.steps[0]!, loss: 0.1 + 0.2, lr: 1 / 3 }] };
    const decoded = decodeMessage(encodeMessage(report)) as typeof report;
    expect(decoded.steps[0]!.loss).toBe(0.30000000000000004);
    expect(decoded.steps[0]!.lr).toBe(1 / 3);
  });

  it('returns a copy holding only plain data, not the caller\u2019s objects', () => {
    const decoded = decodeMessage(encodeMessage(sampleMessages.welcome)) as typeof sampleMessages.welcome;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(decoded.ring).not.toBe(sampleMessages.welcome.ring);
  });
});

describe('encodeMessage refuses what a receiver would reject', () => {
  it('throws TypeError naming the field, for an ill-typed field', () => {
    const welcome = structuredClone(sampleMessages.welcome);
    welcome.ring[2]!.port = 1.5;
    expect(() => encodeMessage(welcome)).toThrow(
      new TypeError('invalid outgoing control message: welcome.ring[2].port: expected integer, received 1.5'),
    );
  });

  it('throws TypeError for a config value that is not JSON (a Date)', () => {
    const welcome = { ...sampleMessages.welcome, config: { startedAt: new Date(0) } } as unknown as Message;
    expect(() => encodeMessage(welcome)).toThrow(/welcome\.config\.startedAt: expected .* received Date/);
  });

  it('throws TypeError for a config nested deeper than a receiver accepts', () => {
    // The message map is level 1 and config level 2, so 31 nested arrays make 33 levels.
    let deep: unknown = [];
    for (let i = 1; i < 31; i++) deep = [deep];
    const welcome = { ...sampleMessages.welcome, config: { deep } } as Message;
    expect(() => encodeMessage(welcome)).toThrow(/nested deeper than 32 levels/);
  });

  it('throws RangeError over maxBytes, and accepts exactly maxBytes', () => {
    const size = encodeMessage(sampleMessages.commit).length;
    expect(() => encodeMessage(sampleMessages.commit, { maxBytes: size - 1 })).toThrow(RangeError);
    expect(encodeMessage(sampleMessages.commit, { maxBytes: size })).toHaveLength(size);
  });

  it('rejects a maxBytes that is not a positive integer', () => {
    expect(() => encodeMessage(sampleMessages.commit, { maxBytes: 0 })).toThrow(RangeError);
    expect(() => decodeMessage(encodeMessage(sampleMessages.commit), { maxBytes: Number.NaN })).toThrow(RangeError);
  });

  it('defaults the size limit to 1 MiB', () => {
    expect(DEFAULT_MAX_CONTROL_MESSAGE_BYTES).toBe(1_048_576);
  });

  it('fits a welcome for MAX_WORLD_SIZE ranks with 64-character host names within the default limit', () => {
    // At most 88 bytes per member: fixmap 1 + "rank" 5 + uint 16 3 + "host" 5 + str 8 (2 + 64) + "port" 5 + uint 16 3.
    const ring = Array.from({ length: MAX_WORLD_SIZE }, (_, rank) => ({ rank, host: 'h'.repeat(64), port: 30000 + (rank % 1000) }));
    const welcome = { ...sampleMessages.welcome, rank: 0, worldSize: MAX_WORLD_SIZE, ring };
    const bytes = encodeMessage(welcome);
    const withoutRing = encodeMessage({ ...welcome, worldSize: 1, ring: ring.slice(0, 1) }).length - 88;
    expect(bytes.length).toBeLessThanOrEqual(withoutRing + 88 * MAX_WORLD_SIZE + 4); // + array 16 and uint 16 worldSize headers
    expect(bytes.length).toBeLessThan(DEFAULT_MAX_CONTROL_MESSAGE_BYTES / 2);
    expect(decodeMessage(bytes)).toEqual(welcome);
  });
});
