import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { headerOf, namedArrays, type CheckpointHeader } from './format.js';
import { decodeCheckpoint, readCheckpoint } from './read.js';
import { expectCheckpointError, forgeFile, sampleCheckpoint, useTempDir, withValidChecksum } from './test-support.js';
import { writeCheckpoint } from './write.js';

const tempDir = useTempDir();
let file: string;
/** The bytes of a valid checkpoint of sampleCheckpoint(), written by writeCheckpoint. */
let valid: Uint8Array;

beforeEach(async () => {
  file = join(tempDir(), 'ckpt.rtckpt');
  await writeCheckpoint(file, sampleCheckpoint());
  valid = new Uint8Array(await readFile(file));
});

async function readBytes(bytes: Uint8Array): Promise<unknown> {
  await writeFile(file, bytes);
  return readCheckpoint(file);
}

/** A copy of `bytes` (in a buffer of its own, so 4-byte aligned) with every bit of byte `at` inverted. */
function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice();
  copy[at]! ^= 0xff;
  return copy;
}

function headerLength(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
}

describe('readCheckpoint on a damaged file', () => {
  it('reports a checksum mismatch for a flipped byte anywhere after the length field: header, padding, arrays, hash', async () => {
    const sectionStart = Math.ceil((12 + headerLength(valid)) / 4) * 4;
    // Spot checks that the loop below covers every region of the file.
    expect(valid[sectionStart - 1]).toBe(0);
    expect(sectionStart).toBeGreaterThan(12 + headerLength(valid));
    expect(valid.length).toBe(sectionStart + 44 + 32);
    await expectCheckpointError(readBytes(flipped(valid, sectionStart + 5)), file, /checksum mismatch: the file is corrupt$/);
    // Every position, in memory: ~600 files would take a second to write and read back.
    for (let at = 12; at < valid.length; at++) {
      expect(() => decodeCheckpoint(flipped(valid, at), file), `byte ${at}`).toThrow(/checksum mismatch: the file is corrupt$/);
    }
  });

  it('reports a file cut inside the arrays as truncated, with the size the header claims', async () => {
    await expectCheckpointError(readBytes(valid.subarray(0, valid.length - 40)), file, `truncated: ${valid.length - 40} bytes, header says ${valid.length}`);
  });

  it('reports a file cut inside the header as truncated, with the least size the header length implies', async () => {
    const atLeast = Math.ceil((12 + headerLength(valid)) / 4) * 4 + 32;
    await expectCheckpointError(readBytes(valid.subarray(0, 100)), file, `truncated: 100 bytes, header says at least ${atLeast}`);
  });

  it.each([0, 5, 43])('reports a %i-byte prefix as truncated, too short to be a checkpoint', async (length) => {
    await expectCheckpointError(readBytes(valid.subarray(0, length)), file, `truncated: ${length} bytes, shorter than the smallest checkpoint (44 bytes)`);
  });

  it.each<[string, (valid: Uint8Array) => Uint8Array]>([
    ['another format version (1, whose sampler offset counted per rank)', (bytes) => Uint8Array.from([...new TextEncoder().encode('RTCKPT01'), ...bytes.subarray(8)])],
    ['a text file', () => new TextEncoder().encode('step: 1200\nepoch: 3\nthe rest of a long enough text file\n')],
    ['a file shorter than the magic that does not start like it', () => new TextEncoder().encode('RTX')],
  ])('rejects %s as not a checkpoint', async (_what, make) => {
    await expectCheckpointError(readBytes(make(valid)), file, 'not a ringtrain checkpoint (bad magic)');
  });

  it('names the file when it cannot be read at all', async () => {
    const missing = join(tempDir(), 'missing.rtckpt');
    await expectCheckpointError(readCheckpoint(missing), missing, /cannot read the checkpoint: ENOENT/);
    const dir = join(tempDir(), 'a-directory');
    await mkdir(dir);
    await expectCheckpointError(readCheckpoint(dir), dir, /cannot read the checkpoint: EISDIR/);
  });
});

describe('readCheckpoint on a forged file (valid checksum, bad header)', () => {
  /** The 44 bytes of sampleCheckpoint()'s arrays, in table order. */
  const section = (): Uint8Array =>
    new Uint8Array(namedArrays(sampleCheckpoint()).flatMap(([, values]) => Array.from(new Uint8Array(values.buffer, values.byteOffset, values.byteLength))));
  const forged = (edit: (header: CheckpointHeader & Record<string, unknown>) => void, arrays = section()): Uint8Array => {
    const header = headerOf(sampleCheckpoint()) as CheckpointHeader & Record<string, unknown>;
    edit(header);
    return forgeFile(JSON.stringify(header), arrays);
  };

  it('reads an unedited forgery: the forging helper itself builds valid files', async () => {
    await expect(readBytes(forged(() => undefined))).resolves.toMatchObject({ step: 1200 });
  });

  it.each<[string, (h: CheckpointHeader & Record<string, unknown>) => void, string | RegExp]>([
    [
      'an array claiming more values than the file holds',
      (h) => (h.arrays[1]!.length = 1000),
      "bad array table: array 'modelState' (bytes 12..4012 of the array section) runs past the end of the file, whose array section holds 44 bytes",
    ],
    ['an array starting past the end', (h) => (h.arrays[1]!.byteOffset = 4096), /array 'modelState' \(bytes 4096\.\.4104 of the array section\) runs past the end/],
    ['two arrays sharing bytes', (h) => (h.arrays[1]!.byteOffset = 8), "bad array table: arrays 'params' and 'modelState' overlap"],
    ['a slot overlapping the slot before it', (h) => (h.arrays[3]!.byteOffset = 28), /arrays 'optimizer.slots.exp_avg' and 'optimizer.slots.exp_avg_sq' overlap/],
    ['a misaligned array', (h) => (h.arrays[1]!.byteOffset = 13), "bad header: 'arrays[1].byteOffset' must be a multiple of 4 (float32 alignment), got 13"],
    ['a fractional step', (h) => (h.step = 1.5), "bad header: 'step' must be an integer >= 0, got 1.5"],
    ['a negative epoch', (h) => (h.epoch = -1), "'epoch' must be an integer >= 0, got -1"],
    ['a world size of 0', (h) => (h.worldSize = 0), "'worldSize' must be an integer >= 1, got 0"],
    ['a seed given as a string', (h) => (h.seed = '42' as unknown as number), `'seed' must be an integer >= 0, got "42"`],
    ['an unknown field', (h) => (h.extra = true), "bad header: the header has an unknown field 'extra'"],
    ['a missing field', (h) => Reflect.deleteProperty(h, 'paramHash'), "bad header: the header lacks the field 'paramHash'"],
    ['config that is an array', (h) => (h.config = [] as unknown as Record<string, unknown>), "'config' must be a JSON object, got []"],
    ['an unknown optimizer', (h) => (h.optimizer.name = 'lamb' as 'sgd'), `'optimizer.name' must be one of sgd, adamw, got "lamb"`],
    ['a timestamp that is not toISOString output', (h) => (h.createdAt = '2025-06-01 12:34'), `'createdAt' must be a UTC timestamp`],
    ['no params array', (h) => (h.arrays[0]!.name = 'weights'), "bad header: the array table lacks 'params'"],
    ['an array listed twice', (h) => (h.arrays[2]!.name = 'modelState'), "the array table lists 'modelState' twice"],
    ['an array that is neither params, modelState nor a slot', (h) => (h.arrays[2]!.name = 'optimizer.slots.'), "unknown array 'optimizer.slots.'"],
    ['a slot shorter than params', (h) => (h.arrays[3]!.length = 2), "optimizer slot 'optimizer.slots.exp_avg_sq' holds 2 values, params 3"],
  ])('rejects %s', async (_what, edit, problem) => {
    await expectCheckpointError(readBytes(forged(edit)), file, problem);
  });

  it('rejects bytes after the last array that belong to no array', async () => {
    await expectCheckpointError(readBytes(forged(() => undefined, new Uint8Array([...section(), 0, 0, 0, 0]))), file, 'bad array table: 4 bytes after the last array belong to no array');
  });

  it('rejects a header that is not JSON, or not UTF-8', async () => {
    await expectCheckpointError(readBytes(forgeFile('{"step": 1', section())), file, /bad header: the header is not UTF-8 JSON/);
    const bytes = forged(() => undefined);
    bytes[12 + 1] = 0xc3; // a UTF-8 lead byte, followed by 's' where a continuation byte must be
    await expectCheckpointError(readBytes(withValidChecksum(bytes)), file, /bad header: the header is not UTF-8 JSON/);
  });

  it('rejects non-zero padding after the header', async () => {
    // A header whose JSON ends 1 byte past a multiple of 4 leaves 3 padding bytes.
    let json = JSON.stringify(headerOf(sampleCheckpoint()));
    while ((12 + json.length) % 4 !== 1) json += ' ';
    const bytes = forgeFile(json, section());
    bytes[12 + json.length] = 1;
    await expectCheckpointError(readBytes(withValidChecksum(bytes)), file, 'the padding after the header is not zero');
  });

  it('rejects a header length field that runs into the checksum', async () => {
    const bytes = forged(() => undefined);
    new DataView(bytes.buffer).setUint32(8, bytes.length, true);
    await expectCheckpointError(readBytes(withValidChecksum(bytes)), file, /the header length field \(\d+ bytes\) runs past the checksum/);
  });
});
