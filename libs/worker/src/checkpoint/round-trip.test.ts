import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Checkpoint } from './checkpoint.js';
import { readCheckpoint } from './read.js';
import { sampleCheckpoint, useTempDir } from './test-support.js';
import { writeCheckpoint } from './write.js';

const tempDir = useTempDir();

/** The float32 bit patterns, so -0 vs 0 and every denormal bit count. */
function bits(values: Float32Array): number[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));
}

/** The raw bytes, for comparing large arrays bit for bit in one call. */
function bytesOf(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** Values chosen for their bit patterns: signed zeros, the denormal extremes, the normal extremes, infinities. */
const AWKWARD = Float32Array.of(
  0,
  -0,
  1.401298464324817e-45, // 0x00000001, smallest denormal
  -1.1754942106924411e-38, // 0x807fffff, largest denormal, negative
  1.1754943508222875e-38, // 0x00800000, smallest normal
  3.4028234663852886e38, // 0x7f7fffff, largest float32
  Infinity,
  -Infinity,
  0.1, // rounds to 0x3dcccccd: the stored value is float32's, not the double literal
);

async function roundTrip(checkpoint: Checkpoint): Promise<Checkpoint> {
  const file = join(tempDir(), 'ckpt.rtckpt');
  await writeCheckpoint(file, checkpoint);
  return readCheckpoint(file);
}

describe('writeCheckpoint + readCheckpoint', () => {
  it('round-trips every field of an AdamW checkpoint with three slots, bit for bit', async () => {
    // Slots must be as long as params (10 values): each is a rearrangement of AWKWARD plus one plain value.
    const withTail = (values: Float32Array, tail: number): Float32Array => Float32Array.from([...values, tail]);
    const written = sampleCheckpoint({
      params: withTail(AWKWARD, NaN),
      modelState: AWKWARD,
      optimizer: {
        name: 'adamw',
        step: 7,
        slots: {
          exp_avg: withTail(AWKWARD.map((v) => -v), 6),
          exp_avg_sq: withTail(AWKWARD.slice().reverse(), 7),
          max_exp_avg_sq: withTail(AWKWARD.map((v) => v / 2), 8),
        },
      },
    });
    const read = await roundTrip(written);

    expect(bits(AWKWARD)).toEqual([0, 0x80000000, 0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0x7f800000, 0xff800000, 0x3dcccccd]);
    expect(bits(read.params.subarray(0, AWKWARD.length))).toEqual(bits(AWKWARD));
    expect(Number.isNaN(read.params[AWKWARD.length])).toBe(true);
    expect(bits(read.modelState)).toEqual(bits(AWKWARD));
    expect(Object.keys(read.optimizer.slots)).toEqual(['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
    for (const [name, values] of Object.entries(written.optimizer.slots)) expect(bits(read.optimizer.slots[name]!)).toEqual(bits(values));
    expect(read.optimizer.name).toBe('adamw');
    expect(read.optimizer.step).toBe(7);
    const scalars = ({ params: _p, modelState: _m, optimizer: _o, ...rest }: Checkpoint) => rest;
    expect(scalars(read)).toEqual({
      step: 1200,
      epoch: 3,
      samplerOffset: 96,
      worldSize: 4,
      batchSize: 32,
      seed: 42,
      config: { model: 'mlp', optimizer: 'adamw', lr: 0.001, epochs: 10, schedule: { name: 'cosine', warmupSteps: 100 } },
      paramHash: 'f00dfeed',
      createdAt: '2025-06-01T12:34:56.789Z',
    });
  });

  it('round-trips an empty modelState and SGD without slots', async () => {
    const read = await roundTrip(sampleCheckpoint({ modelState: new Float32Array(0), optimizer: { name: 'sgd', step: 0, slots: {} } }));
    expect(read.modelState).toHaveLength(0);
    expect(read.optimizer).toEqual({ name: 'sgd', step: 0, slots: {} });
    expect(Array.from(read.params)).toEqual([1.5, -2, 3.25]);
  });

  it('round-trips SGD with a momentum buffer and a parameter vector of a million values', async () => {
    // value[i] = i - 500000 is an integer below 2^24, so float32 holds it exactly.
    const params = Float32Array.from({ length: 1 << 20 }, (_, i) => i - 500000);
    const momentum = params.map((v) => v / 4);
    const read = await roundTrip(sampleCheckpoint({ params, optimizer: { name: 'sgd', step: 3, slots: { momentum_buffer: momentum } } }));
    expect(read.params[0]).toBe(-500000);
    expect(read.params[(1 << 20) - 1]).toBe(548575);
    expect(bytesOf(read.params).equals(bytesOf(params))).toBe(true);
    expect(bytesOf(read.optimizer.slots.momentum_buffer!).equals(bytesOf(momentum))).toBe(true);
  });

  it('writes arrays given as views at an offset inside a larger buffer', async () => {
    const backing = Float32Array.of(9, 9, 1.5, -2, 3.25, 9);
    const read = await roundTrip(sampleCheckpoint({ params: backing.subarray(2, 5) }));
    expect(Array.from(read.params)).toEqual([1.5, -2, 3.25]);
  });

  it('returns arrays as aligned Float32Array views into one buffer holding the whole file', async () => {
    const file = join(tempDir(), 'ckpt.rtckpt');
    await writeCheckpoint(file, sampleCheckpoint());
    const read = await readCheckpoint(file);
    const arrays = [read.params, read.modelState, read.optimizer.slots.exp_avg!, read.optimizer.slots.exp_avg_sq!];
    const { size } = await stat(file);
    for (const array of arrays) {
      expect(array).toBeInstanceOf(Float32Array);
      expect(array.buffer).toBe(read.params.buffer);
      expect(array.byteOffset % 4).toBe(0);
    }
    expect(read.params.buffer.byteLength).toBe(size);
    // A view, not a copy: writing through one array shows in the buffer the others share.
    new Float32Array(read.params.buffer)[read.params.byteOffset / 4] = 99;
    expect(read.params[0]).toBe(99);
  });

  it('replaces an existing checkpoint at the same path', async () => {
    const file = join(tempDir(), 'ckpt.rtckpt');
    await writeCheckpoint(file, sampleCheckpoint({ step: 1 }));
    await writeCheckpoint(file, sampleCheckpoint({ step: 2 }));
    expect((await readCheckpoint(file)).step).toBe(2);
  });
});

describe('the file layout', () => {
  it('is magic, u32 LE header length, JSON header, zero padding to 4, LE float32 arrays, SHA-256 of all before', async () => {
    const file = join(tempDir(), 'ckpt.rtckpt');
    await writeCheckpoint(file, sampleCheckpoint());
    const bytes = new Uint8Array(await readFile(file));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('RTCKPT02');
    const headerLength = view.getUint32(8, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as { arrays: unknown; optimizer: unknown };
    // params (3 values) at 0, modelState (2) at 12, then the two slots of 3 values: 44 bytes of arrays.
    expect(header.arrays).toEqual([
      { name: 'params', byteOffset: 0, length: 3 },
      { name: 'modelState', byteOffset: 12, length: 2 },
      { name: 'optimizer.slots.exp_avg', byteOffset: 20, length: 3 },
      { name: 'optimizer.slots.exp_avg_sq', byteOffset: 32, length: 3 },
    ]);
    expect(header.optimizer).toEqual({ name: 'adamw', step: 1200 });
    const sectionStart = Math.ceil((12 + headerLength) / 4) * 4;
    expect(Array.from(bytes.subarray(12 + headerLength, sectionStart))).toEqual(new Array(sectionStart - 12 - headerLength).fill(0));
    expect(bytes.length).toBe(sectionStart + 44 + 32);
    // 1.5 = 0x3fc00000 and -2 = 0xc0000000, least significant byte first.
    expect(Array.from(bytes.subarray(sectionStart, sectionStart + 8))).toEqual([0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
    expect(view.getFloat32(sectionStart + 12, true)).toBe(0.75);
    expect(view.getFloat32(sectionStart + 40, true)).toBe(2);
    const digest = createHash('sha256').update(bytes.subarray(0, bytes.length - 32)).digest();
    expect(Buffer.from(bytes.subarray(bytes.length - 32)).equals(digest)).toBe(true);
  });
});
