// Hostile bytes. For each hazard of msgpackr's decoder (read from its unpack.js, version 2) the first
// test shows what msgpackr alone does with the bytes, configured as codec.ts configures it; the second
// shows that decodeMessage rejects them, or keeps them harmless.

import { ErrorCodes } from '@ringtrain/common';
import { addExtension, Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeError, packRaw } from '../test/helpers.js';
import { sampleMessages } from '../test/sample-messages.js';
import { decodeMessage, encodeMessage, type WelcomeMessage } from './index.js';

const rawUnpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, structuredClone: false, moreTypes: false });

const bytes = (...values: (number | string)[]): Buffer =>
  Buffer.concat(values.map((v) => (typeof v === 'number' ? Buffer.from([v]) : Buffer.from(v, 'latin1'))));
/** fixstr: 0xa0 | length, then the bytes. */
const fixstr = (s: string): Buffer => bytes(0xa0 | s.length, s);

/** A valid welcome whose config holds `raw` (any msgpack bytes) under the key `x`. */
function welcomeWithConfigValue(raw: Uint8Array): Buffer {
  const placeholder = packRaw('raw value goes here');
  const message = packRaw({ ...sampleMessages.welcome, config: { x: 'raw value goes here' } });
  const at = message.indexOf(placeholder);
  return Buffer.concat([message.subarray(0, at), raw, message.subarray(at + placeholder.length)]);
}

function nestedArrays(depth: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

function expectPrototypeClean(): void {
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
}

describe('the test harness', () => {
  it('builds a welcome that decodes when the raw config value is plain', () => {
    const decoded = decodeMessage(welcomeWithConfigValue(packRaw(5))) as WelcomeMessage;
    expect(decoded.config).toEqual({ x: 5 });
  });
});

describe('record definitions (ext 0x72)', () => {
  // d4 72 40: fixext 1, type 'r', record id 0x40; then the key list, then one value per key.
  const recordCommit = Buffer.concat([
    bytes(0xd4, 0x72, 0x40, 0x94),
    fixstr('type'), fixstr('v'), fixstr('generation'), fixstr('step'),
    fixstr('commit'), bytes(0x01, 0x02, 0xcd, 0x04, 0xb0),
  ]);

  it('msgpackr applies them even with useRecords: false', () => {
    expect(rawUnpackr.unpack(recordCommit)).toEqual({ type: 'commit', v: 1, generation: 2, step: 1200 });
  });

  it('decodeMessage rejects them', () => {
    const err = decodeError(recordCommit);
    expect(err.code).toBe(ErrorCodes.PROTOCOL);
    expect(err.detail).toBe(
      'control message is not plain msgpack: extension type 114 at byte 0 (records, timestamps and other extensions are not accepted)',
    );
  });

  it('the fixint bytes 0x40..0x7f, which a record definition would claim, stay integers', () => {
    const commit = { ...sampleMessages.commit, generation: 0x40, step: 0x7f };
    expect(decodeMessage(encodeMessage(commit))).toEqual(commit);
  });
});

describe('extension types', () => {
  // [what, the extension's bytes, the type number the error names]
  const extensions: [string, Buffer, number][] = [
    ['timestamp 32 (Date)', bytes(0xd6, 0xff, 0, 0, 0, 1), -1],
    ['timestamp 96 in ext 8', bytes(0xc7, 12, 0xff, ...new Array<number>(12).fill(0)), -1],
    ['undefined (ext 0)', bytes(0xd4, 0x00, 0x00), 0],
    ['Set', bytes(0xd4, 0x73, 0x00, 0x91, 0x01), 0x73],
    ['Error', Buffer.concat([bytes(0xd4, 0x65, 0x00, 0x92), fixstr('Error'), fixstr('hi')]), 0x65],
    ['RegExp', Buffer.concat([bytes(0xd4, 0x78, 0x00, 0x92), fixstr('(a+)+$'), fixstr('')]), 0x78],
    ['Float32Array', bytes(0xc7, 5, 0x74, 7, 0x00, 0x00, 0x80, 0x3f), 0x74],
    ['bigint', bytes(0xd4, 0x42, 0x05), 0x42],
    ['structured-clone pointer', bytes(0xd6, 0x70, 0, 0, 0, 1), 0x70],
    ['bundled strings', bytes(0xd6, 0x62, 0, 0, 0, 5), 0x62],
    ['ext 32 claiming 4 GiB', bytes(0xc9, 0xff, 0xff, 0xff, 0xff, 0x01), 1],
  ];

  it.each([
    ['timestamp 32 (Date)', Date],
    ['Set', Set],
    ['Error', Error],
    ['RegExp', RegExp],
    ['Float32Array', Float32Array],
  ] as const)('msgpackr alone builds an object from: %s', (what, type) => {
    const ext = extensions.find(([name]) => name === what)![1];
    expect(rawUnpackr.unpack(ext)).toBeInstanceOf(type);
  });

  it.each(extensions)('decodeMessage rejects this extension anywhere in a message: %s', (_what, ext, extType) => {
    const err = decodeError(welcomeWithConfigValue(ext));
    expect(err.code).toBe(ErrorCodes.PROTOCOL);
    expect(err.detail).toMatch(new RegExp(`: extension type ${extType} at byte \\d+ `));
  });

  it('decodeMessage never runs an extension that other code registered with msgpackr', () => {
    let calls = 0;
    addExtension({ type: 0x30, unpack: () => ++calls });
    const ext = bytes(0xd4, 0x30, 0x00);
    expect(rawUnpackr.unpack(ext)).toBe(1); // the registration is process-wide: msgpackr alone runs it
    expect(decodeError(welcomeWithConfigValue(ext)).detail).toMatch(/extension type 48 at byte/);
    expect(calls).toBe(1);
  });

  it('rejects the reserved byte 0xc1, which msgpackr alone turns into a marker object', () => {
    expect(typeof rawUnpackr.unpack(bytes(0xc1))).toBe('object');
    expect(decodeError(welcomeWithConfigValue(bytes(0xc1))).detail).toMatch(/^control message is not plain msgpack: reserved byte 0xc1 at byte \d+$/);
  });
});

describe('__proto__ and constructor keys', () => {
  // JSON.parse makes `__proto__` an own key, so packRaw writes it onto the wire as a map key.
  const pollute = '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}';

  it('are rejected as unknown fields of a message, and pollute nothing', () => {
    const commit = { ...sampleMessages.commit, ...JSON.parse('{"__proto__": {"polluted": "yes"}}') };
    const wire = packRaw(commit);
    expect(wire.includes(Buffer.from('__proto__'))).toBe(true);
    expect(decodeError(wire).detail).toMatch(/^commit\.__proto_+: unknown field$/);
    expect(decodeError(packRaw({ ...sampleMessages.commit, constructor: 1 })).detail).toBe('commit.constructor: unknown field');
    expectPrototypeClean();
  });

  it('stay plain data inside the run config', () => {
    const wire = packRaw({ ...sampleMessages.welcome, config: JSON.parse(pollute) });
    expect(wire.includes(Buffer.from('__proto__'))).toBe(true);
    const { config } = decodeMessage(wire) as WelcomeMessage;
    expectPrototypeClean();
    expect(Object.getPrototypeOf(config)).toBe(Object.prototype);
    expect(config['polluted']).toBeUndefined();
  });
});

describe('length prefixes larger than the input', () => {
  // Ten bytes each, claiming up to 2^32 - 1 entries or bytes.
  const claims: [string, Buffer, string][] = [
    ['map 32', Buffer.concat([bytes(0xdf, 0xff, 0xff, 0xff, 0xff), fixstr('type')]), 'container at byte 0 claims 8589934590 values but 5 bytes remain'],
    ['array 32', bytes(0xdd, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0), 'container at byte 0 claims 4294967295 values but 5 bytes remain'],
    ['str 32', bytes(0xdb, 0xff, 0xff, 0xff, 0xff, 'aaaaa'), 'value at byte 0 claims 4294967295 bytes but 5 remain'],
    ['bin 32', bytes(0xc6, 0xff, 0xff, 0xff, 0xff, 'aaaaa'), 'value at byte 0 claims 4294967295 bytes but 5 remain'],
    ['nested map 16', Buffer.concat([bytes(0x81), fixstr('x'), bytes(0xde, 0xff, 0xff, 0, 0, 0, 0)]), 'container at byte 3 claims 131070 values but 4 bytes remain'],
  ];

  it.each(claims)('%s fails at once, before msgpackr sees it', (_what, input, detail) => {
    expect(input.length).toBe(10);
    const started = performance.now();
    const err = decodeError(input);
    expect(performance.now() - started).toBeLessThan(50);
    expect([err.code, err.detail]).toEqual([ErrorCodes.PROTOCOL, `control message is not plain msgpack: ${detail}`]);
  });
});

describe('deep nesting', () => {
  // A million fixarray-of-one bytes (0x91) around a nil: under 1 MiB, a million levels deep.
  const deep = Buffer.alloc(1_000_001, 0x91);
  deep[deep.length - 1] = 0xc0;

  it('overflows the stack of msgpackr\u2019s recursive reader', () => {
    expect(() => rawUnpackr.unpack(deep)).toThrow(RangeError);
  });

  it('is rejected by decodeMessage after 32 levels, without recursion', () => {
    const err = decodeError(deep);
    expect([err.code, err.detail]).toEqual([ErrorCodes.PROTOCOL, 'control message is not plain msgpack: maps and arrays nested deeper than 32 levels']);
  });

  it('is accepted up to exactly 32 levels (message 1, config 2, 30 arrays)', () => {
    const atLimit = { ...sampleMessages.welcome, config: { deep: nestedArrays(30) } };
    expect(decodeMessage(packRaw(atLimit))).toEqual(atLimit);
    const overLimit = { ...sampleMessages.welcome, config: { deep: nestedArrays(31) } };
    expect(decodeError(packRaw(overLimit)).detail).toMatch(/nested deeper than 32 levels$/);
  });
});
