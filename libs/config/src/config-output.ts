// The run config as others see it: a config-file mapping (summary.json, `--config` of a later run), a listing
// for the start of a run's log, and the hash that tells whether two nodes run the same config.

import { createHash } from 'node:crypto';
import { optionName, TRAIN_OPTIONS, type OptionValue } from './option-specs.js';
import type { RunConfig } from './run-config.js';

/**
 * The config with config-file names (`batch-size`), in option order, without unset options and without `token`,
 * which is a secret and never written to disk. loadConfigFile reads it back to the same config.
 */
export function toConfigFile(config: RunConfig): Record<string, OptionValue> {
  const entries: [string, OptionValue][] = [];
  for (const spec of TRAIN_OPTIONS) {
    const value = config[spec.key];
    if (spec.key !== 'token' && value !== undefined) entries.push([optionName(spec), value]);
  }
  return Object.fromEntries(entries);
}

/**
 * SHA-256 (hex) of the canonical JSON of the run options: config-file names, sorted, unset options left out. Node
 * options (backend, paths, token) are not part of it, so nodes that differ only in those have the same hash.
 */
export function configHash(config: RunConfig): string {
  const entries: [string, OptionValue][] = [];
  for (const spec of TRAIN_OPTIONS) {
    const value = config[spec.key];
    if (spec.scope === 'run' && value !== undefined) entries.push([optionName(spec), value]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(Object.fromEntries(entries))).digest('hex');
}

/** Lines of the listing are wrapped before this width. */
const LISTING_WIDTH = 100;

/** A short multi-line listing, `name=value` pairs in option order (without token), for the start of a run. */
export function formatConfig(config: RunConfig): string {
  const lines: string[] = [];
  let line = '';
  for (const [name, value] of Object.entries(toConfigFile(config))) {
    const shown = typeof value === 'string' && !/^[^\s="]+$/.test(value) ? JSON.stringify(value) : String(value);
    const pair = `${name}=${shown}`;
    if (line !== '' && line.length + 1 + pair.length > LISTING_WIDTH) {
      lines.push(line);
      line = pair;
    } else {
      line = line === '' ? pair : `${line} ${pair}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}
