// Strict validation of a checkpoint header (see format.ts). The writer runs it on the JSON it is about to write
// and the reader on the JSON it read, so a file that one accepts the other accepts too, and a forged or
// damaged header can never make the reader build a view outside the file.

import {
  MODEL_STATE_ARRAY,
  OPTIMIZER_NAMES,
  PARAMS_ARRAY,
  SLOT_ARRAY_PREFIX,
  type ArrayEntry,
  type CheckpointHeader,
} from './format.js';

/** Reports what is wrong and does not return (it throws the caller's error). */
export type Fail = (problem: string) => never;

const HEADER_FIELDS = [
  'step',
  'epoch',
  'samplerOffset',
  'worldSize',
  'batchSize',
  'seed',
  'config',
  'optimizer',
  'paramHash',
  'createdAt',
  'arrays',
];
const OPTIMIZER_FIELDS = ['name', 'step'];
const ENTRY_FIELDS = ['name', 'byteOffset', 'length'];

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short rendering of a bad value for an error message. */
function shown(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 40 ? `${json.slice(0, 37)}...` : json;
}

/** `value` as an object with exactly the keys `fields`. */
function exactObject(value: unknown, where: string, fields: readonly string[], fail: Fail): Record<string, unknown> {
  if (!isJsonObject(value)) return fail(`${where} must be a JSON object, got ${shown(value)}`);
  for (const key of Object.keys(value)) {
    if (!fields.includes(key)) fail(`${where} has an unknown field '${key}'`);
  }
  for (const field of fields) {
    if (!Object.hasOwn(value, field)) fail(`${where} lacks the field '${field}'`);
  }
  return value;
}

function integerAtLeast(value: unknown, field: string, min: number, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    return fail(`'${field}' must be an integer >= ${min}, got ${shown(value)}`);
  }
  return value;
}

function string(value: unknown, field: string, fail: Fail): string {
  if (typeof value !== 'string') return fail(`'${field}' must be a string, got ${shown(value)}`);
  return value;
}

function isoTimestamp(value: unknown, field: string, fail: Fail): string {
  const text = string(value, field, fail);
  const time = Date.parse(text);
  if (Number.isNaN(time) || new Date(time).toISOString() !== text) {
    fail(`'${field}' must be a UTC timestamp as toISOString() prints it (2025-01-31T12:00:00.000Z), got ${shown(text)}`);
  }
  return text;
}

function parseOptimizer(value: unknown, fail: Fail): CheckpointHeader['optimizer'] {
  const optimizer = exactObject(value, "'optimizer'", OPTIMIZER_FIELDS, fail);
  const name = OPTIMIZER_NAMES.find((known) => known === optimizer.name);
  if (name === undefined) fail(`'optimizer.name' must be one of ${OPTIMIZER_NAMES.join(', ')}, got ${shown(optimizer.name)}`);
  return { name, step: integerAtLeast(optimizer.step, 'optimizer.step', 0, fail) };
}

function parseEntry(value: unknown, where: string, fail: Fail): ArrayEntry {
  const entry = exactObject(value, where, ENTRY_FIELDS, fail);
  const name = string(entry.name, `${where}.name`, fail);
  const byteOffset = integerAtLeast(entry.byteOffset, `${where}.byteOffset`, 0, fail);
  if (byteOffset % 4 !== 0) fail(`'${where}.byteOffset' must be a multiple of 4 (float32 alignment), got ${byteOffset}`);
  return { name, byteOffset, length: integerAtLeast(entry.length, `${where}.length`, 0, fail) };
}

/** The array table: unique names, params and modelState present, every other array an optimizer slot as long as params. */
function parseArrayTable(value: unknown, fail: Fail): ArrayEntry[] {
  if (!Array.isArray(value)) return fail(`'arrays' must be a JSON array, got ${shown(value)}`);
  const arrays = value.map((row, i) => parseEntry(row, `arrays[${i}]`, fail));
  const byName = new Map<string, ArrayEntry>();
  for (const entry of arrays) {
    if (byName.has(entry.name)) fail(`the array table lists '${entry.name}' twice`);
    byName.set(entry.name, entry);
  }
  const params = byName.get(PARAMS_ARRAY);
  if (params === undefined) return fail(`the array table lacks '${PARAMS_ARRAY}'`);
  if (!byName.has(MODEL_STATE_ARRAY)) fail(`the array table lacks '${MODEL_STATE_ARRAY}'`);
  for (const { name, length } of arrays) {
    if (name === PARAMS_ARRAY || name === MODEL_STATE_ARRAY) continue;
    if (!name.startsWith(SLOT_ARRAY_PREFIX) || name.length === SLOT_ARRAY_PREFIX.length) {
      fail(`unknown array '${name}' (expected '${PARAMS_ARRAY}', '${MODEL_STATE_ARRAY}' or '${SLOT_ARRAY_PREFIX}<slot>')`);
    }
    if (length !== params.length) fail(`optimizer slot '${name}' holds ${length} values, params ${params.length}`);
  }
  return arrays;
}

/** Checks that `value` (parsed header JSON) is a complete, well-typed header and returns it typed. */
export function parseHeader(value: unknown, fail: Fail): CheckpointHeader {
  const header = exactObject(value, 'the header', HEADER_FIELDS, fail);
  const config = header.config;
  if (!isJsonObject(config)) return fail(`'config' must be a JSON object, got ${shown(config)}`);
  return {
    step: integerAtLeast(header.step, 'step', 0, fail),
    epoch: integerAtLeast(header.epoch, 'epoch', 0, fail),
    samplerOffset: integerAtLeast(header.samplerOffset, 'samplerOffset', 0, fail),
    worldSize: integerAtLeast(header.worldSize, 'worldSize', 1, fail),
    batchSize: integerAtLeast(header.batchSize, 'batchSize', 1, fail),
    seed: integerAtLeast(header.seed, 'seed', 0, fail),
    config,
    optimizer: parseOptimizer(header.optimizer, fail),
    paramHash: string(header.paramHash, 'paramHash', fail),
    createdAt: isoTimestamp(header.createdAt, 'createdAt', fail),
    arrays: parseArrayTable(header.arrays, fail),
  };
}

/**
 * Checks the array table against an array section of `sectionBytes` bytes: every array inside it, no two
 * non-empty arrays sharing a byte, and no bytes after the last array (they would be covered by nothing).
 */
export function checkArrayLayout(arrays: readonly ArrayEntry[], sectionBytes: number, fail: Fail): void {
  const byOffset = [...arrays].sort((a, b) => a.byteOffset - b.byteOffset);
  let end = 0;
  let endsLast: ArrayEntry | undefined;
  for (const entry of byOffset) {
    const entryEnd = entry.byteOffset + 4 * entry.length;
    if (entryEnd > sectionBytes) {
      const where = `bytes ${entry.byteOffset}..${entryEnd} of the array section`;
      fail(`array '${entry.name}' (${where}) runs past the end of the file, whose array section holds ${sectionBytes} bytes`);
    }
    if (entry.length > 0 && entry.byteOffset < end && endsLast !== undefined) fail(`arrays '${endsLast.name}' and '${entry.name}' overlap`);
    if (entryEnd > end) {
      end = entryEnd;
      endsLast = entry;
    }
  }
  if (end !== sectionBytes) fail(`${sectionBytes - end} bytes after the last array belong to no array`);
}
