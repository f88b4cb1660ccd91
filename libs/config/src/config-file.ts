// `--config FILE`: training options from a YAML or JSON file, keyed by option name (`batch-size: 64`,
// `shuffle: false`). Values must already have the option's type - a YAML number for a count, true/false for a
// switch - because a quoted "64" in a file is more likely a mistake than a wish. The file is data only: YAML is read
// with the core schema and any tag (`!!js/function`, `!custom`) is refused, so nothing in it is ever evaluated.

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { InvalidArgumentError } from '@ringtrain/common';
import { parseDocument } from 'yaml';
import { closestName } from './closest-name.js';
import { optionName, TRAIN_OPTIONS, type OptionSpec, type OptionValue } from './option-specs.js';
import { checkOptionValue } from './option-values.js';
import type { RunConfig } from './run-config.js';

const SPECS_BY_NAME = new Map(TRAIN_OPTIONS.map((spec) => [optionName(spec), spec]));

function fileError(path: string, detail: string, cause?: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`${path}: ${detail}`, { subject: path }, cause === undefined ? undefined : { cause });
}

/** The first line of a yaml error ("Map keys must be unique at line 2, column 1:"), without its code excerpt. */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/:$/, '');
}

function parseText(path: string, text: string, format: 'json' | 'yaml'): unknown {
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw fileError(path, `invalid JSON: ${(err as Error).message}`, err);
    }
  }
  const doc = parseDocument(text, { schema: 'core' });
  // Unresolved tags are only warnings to the yaml package, which then reads the tagged value as a plain scalar.
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) throw fileError(path, `invalid YAML: ${firstLine(problem.message)}`, problem);
  // A file of comments only holds no options.
  return doc.contents === null ? {} : doc.toJS();
}

function unknownKey(path: string, name: string): InvalidArgumentError {
  const positive = name.startsWith('no-') ? SPECS_BY_NAME.get(name.slice(3)) : undefined;
  if (positive?.kind === 'boolean') return fileError(path, `unknown key "${name}" (write "${name.slice(3)}: false")`);
  const suggestion = closestName(name, SPECS_BY_NAME.keys());
  return fileError(path, `unknown key "${name}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}`);
}

function readValue(spec: OptionSpec, raw: unknown, label: string): OptionValue {
  // YAML reads `clip-norm-type: 2` as a number; a number spelled like one of the choices is that choice.
  const spelled = typeof raw === 'number' ? String(raw) : undefined;
  if (spec.kind === 'choice' && spelled !== undefined && (spec.choices as readonly string[]).includes(spelled)) return spelled;
  return checkOptionValue(spec, raw, label);
}

/**
 * Reads a config file (.yaml, .yml or .json) into the options it sets. Throws InvalidArgumentError naming the file
 * (and the key, for a bad entry) when the file is unreadable or malformed, its top level is not a mapping, a key is
 * not an option name, or a value has the wrong type or range.
 */
export async function loadConfigFile(path: string): Promise<Partial<RunConfig>> {
  const extension = extname(path).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(extension)) throw fileError(path, 'a config file must end in .yaml, .yml or .json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw fileError(path, `cannot read the config file (${(err as Error).message})`, err);
  }
  const data = parseText(path, text, extension === '.json' ? 'json' : 'yaml');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const got = Array.isArray(data) ? 'a list' : JSON.stringify(data);
    throw fileError(path, `the top level must be a mapping of option names to values, got ${got}`);
  }
  const options: Record<string, OptionValue> = {};
  for (const [name, raw] of Object.entries(data)) {
    const spec = SPECS_BY_NAME.get(name);
    if (spec === undefined) throw unknownKey(path, name);
    options[spec.key] = readValue(spec, raw, `${path}: ${name}`);
  }
  // Each value was checked against its own option's spec just above.
  return options as Partial<RunConfig>;
}
