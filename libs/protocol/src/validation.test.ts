// Every way a decoded message can fail validation, with the stable code and the exact detail a peer
// sees. The invalid messages are packed raw (test/helpers.ts), as a buggy or hostile peer would send them.

import { ErrorCodes } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { decodeError, packRaw } from '../test/helpers.js';
import { mutableSample, sampleMessages } from '../test/sample-messages.js';
import { encodeMessage, PROTOCOL_VERSION, type MessageType } from './index.js';

const REMOVE = Symbol('remove');

/** The sample of `type` with the field at `path` set to `value` (or removed), packed without validation. */
function broken(type: MessageType, path: (string | number)[], value: unknown): Buffer {
  const msg = mutableSample(type);
  let parent = msg;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const field = path[path.length - 1]!;
  if (value === REMOVE) delete parent[field];
  else parent[field] = value;
  return packRaw(msg);
}

describe('type and version', () => {
  it('E_UNKNOWN_MESSAGE for a type no message has', () => {
    const err = decodeError(packRaw({ type: 'gossip', v: PROTOCOL_VERSION }));
    expect(err.code).toBe(ErrorCodes.UNKNOWN_MESSAGE);
    expect(err.detail).toBe('unknown message type "gossip"');
  });

  it('E_UNKNOWN_MESSAGE for a type that is only a property of every object', () => {
    expect(decodeError(packRaw({ type: 'toString', v: PROTOCOL_VERSION })).code).toBe(ErrorCodes.UNKNOWN_MESSAGE);
    expect(decodeError(packRaw({ type: 'constructor', v: PROTOCOL_VERSION })).code).toBe(ErrorCodes.UNKNOWN_MESSAGE);
  });

  it('E_VERSION for another protocol version, named with the message type', () => {
    const err = decodeError(broken('hello', ['v'], PROTOCOL_VERSION - 1));
    expect(err.code).toBe(ErrorCodes.VERSION_MISMATCH);
    expect(err.detail).toBe(`hello.v: protocol version ${PROTOCOL_VERSION - 1} is not ${PROTOCOL_VERSION}`);
  });

  it('E_VERSION before E_UNKNOWN_MESSAGE: a newer peer may send types this side does not know', () => {
    const err = decodeError(packRaw({ type: 'gossip', v: PROTOCOL_VERSION + 1 }));
    expect(err.code).toBe(ErrorCodes.VERSION_MISMATCH);
    expect(err.detail).toBe(`message.v: protocol version ${PROTOCOL_VERSION + 1} is not ${PROTOCOL_VERSION}`);
  });

  it('E_PROTOCOL for a missing or ill-typed version', () => {
    const missing = decodeError(broken('commit', ['v'], REMOVE));
    expect([missing.code, missing.detail]).toEqual([ErrorCodes.PROTOCOL, 'commit.v: expected integer protocol version, received undefined']);
    const text = decodeError(broken('commit', ['v'], '1'));
    expect([text.code, text.detail]).toEqual([ErrorCodes.PROTOCOL, 'commit.v: expected integer protocol version, received string']);
  });

  it('E_PROTOCOL for a missing or non-string type', () => {
    expect(decodeError(packRaw({ v: PROTOCOL_VERSION })).detail).toBe('message.type: expected string, received undefined');
    expect(decodeError(packRaw({ v: PROTOCOL_VERSION, type: 7 })).detail).toBe('message.type: expected string, received 7');
  });

  it('E_PROTOCOL for a message that is not a map', () => {
    expect(decodeError(packRaw(['hello', 1])).detail).toBe('control message must be a map, received array');
    expect(decodeError(packRaw('hello')).detail).toBe('control message must be a map, received string');
    expect(decodeError(packRaw(null)).detail).toBe('control message must be a map, received null');
  });
});

describe('fields', () => {
  // [what, message type, path of the field, value put there, detail]; every one of them is E_PROTOCOL.
  const cases: [string, MessageType, (string | number)[], unknown, string][] = [
    ['a missing field', 'hello', ['host'], REMOVE, 'hello.host: expected string, received undefined'],
    ['a non-integer in a nested array', 'welcome', ['ring', 2, 'port'], 1.5, 'welcome.ring[2].port: expected integer, received 1.5'],
    ['an integer out of range', 'welcome', ['ring', 0, 'port'], 70000, 'welcome.ring[0].port: must be <= 65535, received 70000'],
    ['a negative step', 'commit', ['step'], -1, 'commit.step: must be >= 0, received -1'],
    ['a step beyond u32', 'commit', ['step'], 2 ** 32, 'commit.step: must be <= 4294967295, received 4294967296'],
    ['an unknown field', 'commit', ['note'], 'hi', 'commit.note: unknown field'],
    ['an unknown nested field', 'report', ['steps', 0, 'timings', 'gpuMs'], 1, 'report.steps[0].timings.gpuMs: unknown field'],
    ['a NaN loss', 'report', ['steps', 1, 'loss'], Number.NaN, 'report.steps[1].loss: expected number, received NaN'],
    ['an infinite grad norm', 'report', ['steps', 0, 'gradNorm'], Number.POSITIVE_INFINITY, 'report.steps[0].gradNorm: expected number, received Infinity'],
    ['a negative learning rate', 'report', ['steps', 0, 'lr'], -0.1, 'report.steps[0].lr: must be >= 0, received -0.1'],
    ['a 64-bit integer (decoded as bigint)', 'report', ['steps', 0, 'step'], 2n ** 40n, 'report.steps[0].step: expected number, received bigint'],
    ['a report without steps', 'report', ['steps'], [], 'report.steps: must have at least 1 item, received 0'],
    ['a report of more steps than it may carry', 'report', ['steps'], Array.from({ length: 65 }, () => sampleMessages.report.steps[0]), 'report.steps: must have at most 64 items, received 65'],
    ['binary where a string belongs', 'hello', ['host'], Buffer.from('node'), 'hello.host: expected string, received binary'],
    ['a string over its bound', 'checkpoint', ['path'], 'p'.repeat(4097), 'checkpoint.path: must have at most 4096 characters, received 4097'],
    ['an empty required string', 'shutdown', ['reason'], '', 'shutdown.reason: must have at least 1 character, received 0'],
    ['an exit code over 255', 'shutdown', ['exitCode'], 256, 'shutdown.exitCode: must be <= 255, received 256'],
    [
      'too many metrics',
      'report',
      ['steps', 0, 'metrics'],
      Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`m${i}`, i])),
      'report.steps[0].metrics: must have at most 32 entries',
    ],
    ['a non-finite metric', 'report', ['steps', 0, 'metrics', 'accuracy'], Number.NaN, 'report.steps[0].metrics.accuracy: expected number, received NaN'],
    ['a bad error code', 'error', ['code'], 'oops', 'error.code: Invalid string: must match pattern /^E_[A-Z0-9_]{1,62}$/'],
    ['a bad config hash', 'hello', ['configHash'], 'ABC', 'hello.configHash: Invalid string: must match pattern /^[0-9a-f]{64}$/'],
    ['a host with a space', 'hello', ['dataPlane', 'host'], 'a b', 'hello.dataPlane.host: Invalid string: must match pattern /^[A-Za-z0-9._:%-]+$/'],
    ['a local rank outside its node', 'hello', ['localRank'], 4, 'hello.localRank: must be < localWorldSize (4), received 4'],
    ['a ring shorter than the world', 'welcome', ['ring'], sampleMessages.welcome.ring.slice(0, 2), 'welcome.ring: must list worldSize (3) members, lists 2'],
    ['a rank listed twice', 'welcome', ['ring', 2, 'rank'], 0, 'welcome.ring[2].rank: rank 0 is listed twice'],
    ['a ring member beyond the world', 'reform', ['ring', 1, 'rank'], 2, 'reform.ring[1].rank: must be < worldSize (2), received 2'],
    ['an own rank beyond the world', 'welcome', ['rank'], 3, 'welcome.rank: must be < worldSize (3), received 3'],
    ['an empty ring', 'reform', ['ring'], [], 'reform.ring: must have at least 1 item, received 0'],
    [
      'a ring over MAX_WORLD_SIZE',
      'welcome',
      ['ring'],
      Array.from({ length: 4097 }, (_, rank) => ({ rank, host: 'h', port: 1 })),
      'welcome.ring: must have at most 4096 items, received 4097',
    ],
    ['an accuracy above 1', 'evaluation', ['result', 'testAccuracy'], 1.5, 'evaluation.result.testAccuracy: must be <= 1, received 1.5'],
    ['a short parameter hash', 'done', ['paramHash'], 'ab', 'done.paramHash: Invalid string: must match pattern /^[0-9a-f]{64}$/'],
    ['an out-of-range error context', 'error', ['context', 'peer'], -1, 'error.context.peer: must be >= 0, received -1'],
    [
      'a non-JSON value deep in the config',
      'welcome',
      ['config', 'schedule', 'steps'],
      [1, Number.NaN],
      'welcome.config.schedule.steps[1]: expected string | number | boolean | null | array | map, received NaN',
    ],
    [
      'binary in the config, under a key that is no identifier',
      'welcome',
      ['config', 'learning rate'],
      Buffer.from([1]),
      'welcome.config["learning rate"]: expected string | number | boolean | null | array | map, received binary',
    ],
  ];

  it.each(cases)('E_PROTOCOL for %s', (_what, type, path, value, detail) => {
    const err = decodeError(broken(type, path, value));
    expect(err.code).toBe(ErrorCodes.PROTOCOL);
    expect(err.detail).toBe(detail);
  });

  it('never echoes a string it rejects (it may be a secret sent by mistake)', () => {
    const secret = 'x'.repeat(4097);
    const err = decodeError(broken('error', ['message'], secret));
    expect(err.detail).toBe('error.message: must have at most 4096 characters, received 4097');
  });

  it('adds the caller\u2019s context to the error', () => {
    const err = decodeError(packRaw({ type: 'gossip', v: PROTOCOL_VERSION }), { context: { peer: 3 } });
    expect(err.context).toEqual({ peer: 3 });
    expect(err.message).toBe('E_UNKNOWN_MESSAGE: unknown message type "gossip" [peer 3]');
  });
});

describe('framing', () => {
  it('E_OVERSIZE above maxBytes, before looking at the bytes', () => {
    // Not msgpack at all (0xc1 is reserved): only a size check that runs first reports E_OVERSIZE.
    const err = decodeError(Buffer.alloc(1024 * 1024 + 1, 0xc1));
    expect(err.code).toBe(ErrorCodes.OVERSIZE);
    expect(err.detail).toBe('control message of 1048577 bytes is over the limit of 1048576');
  });

  it('E_OVERSIZE against a caller\u2019s maxBytes; exactly maxBytes passes', () => {
    const bytes = encodeMessage(sampleMessages.hello);
    expect(decodeError(bytes, { maxBytes: bytes.length - 1 }).code).toBe(ErrorCodes.OVERSIZE);
    expect(() => decodeError(bytes, { maxBytes: bytes.length })).toThrow('decodeMessage accepted the input');
  });

  it('E_PROTOCOL for trailing bytes after the message', () => {
    const bytes = Buffer.concat([encodeMessage(sampleMessages.commit), Buffer.from([0xc0])]);
    const err = decodeError(bytes);
    expect([err.code, err.detail]).toEqual([ErrorCodes.PROTOCOL, 'control message is not plain msgpack: 1 trailing byte(s) after the message']);
  });

  it('E_PROTOCOL for a truncated message and for no bytes at all', () => {
    const bytes = encodeMessage(sampleMessages.commit); // ends with uint 16 1200: cd 04 b0
    const err = decodeError(bytes.subarray(0, bytes.length - 1));
    expect(err.detail).toBe(`control message is not plain msgpack: value at byte ${bytes.length - 3} claims 2 bytes but 1 remain`);
    expect(decodeError(new Uint8Array(0)).detail).toBe('control message is not plain msgpack: truncated at byte 0');
  });

  it('E_PROTOCOL for map keys that are not strings', () => {
    // { {}: 1 } and { 1: 1 }: msgpackr would turn the second into { "1": 1 }; JSON has string keys only.
    expect(decodeError(Buffer.from([0x81, 0x80, 0x01])).detail).toBe('control message is not plain msgpack: map key at byte 1 is not a string');
    expect(decodeError(Buffer.from([0x81, 0x01, 0x01])).detail).toBe('control message is not plain msgpack: map key at byte 1 is not a string');
  });
});
