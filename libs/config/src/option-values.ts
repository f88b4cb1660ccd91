// Checking option values against their spec. One check serves the command line (text, parsed first), config files
// and resolveConfig (typed values), so an option has the same range and the same message everywhere:
//   --batch-size must be an integer >= 1, got "x"

import { InvalidArgumentError } from '@ringtrain/common';
import type { OptionSpec, OptionValue } from './option-specs.js';

/** A plain decimal literal with an optional exponent: 3, -0.5, .25, 1e-4; not "", "Infinity", "0x10" or "1_000". */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** What the option accepts, as the end of "--x must be ...": "an integer >= 1", "a number in [0, 1)", "one of sgd, adamw". */
export function describeAccepted(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a non-empty string';
    case 'choice':
      return `one of ${(spec.choices ?? []).join(', ')}`;
    case 'integer':
    case 'number': {
      const noun = spec.kind === 'integer' ? 'an integer' : 'a number';
      const { min, max } = spec;
      if (min !== undefined && max !== undefined) {
        return `${noun} in ${spec.minExclusive ? '(' : '['}${min}, ${max}${spec.maxExclusive ? ')' : ']'}`;
      }
      if (min !== undefined) return `${noun} ${spec.minExclusive ? '>' : '>='} ${min}`;
      if (max !== undefined) return `${noun} ${spec.maxExclusive ? '<' : '<='} ${max}`;
      return noun;
    }
  }
}

function inRange(spec: OptionSpec, value: number): boolean {
  const { min, max } = spec;
  const aboveMin = min === undefined || (spec.minExclusive ? value > min : value >= min);
  const belowMax = max === undefined || (spec.maxExclusive ? value < max : value <= max);
  return Number.isFinite(value) && aboveMin && belowMax;
}

/** Whether `value` has the option's type and lies in its range. */
function isAcceptedValue(spec: OptionSpec, value: unknown): value is OptionValue {
  switch (spec.kind) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string' && value.trim() !== '';
    case 'choice':
      return typeof value === 'string' && (spec.choices as readonly string[] | undefined)?.includes(value) === true;
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) && inRange(spec, value);
    case 'number':
      return typeof value === 'number' && inRange(spec, value);
  }
}

/** The refused value as the user can find it in their input: strings quoted (so "64" shows it is not a number). */
function describeGot(got: unknown): string {
  if (typeof got === 'string' || (typeof got === 'object' && got !== null)) return JSON.stringify(got);
  return String(got);
}

/** `label` names the option as the user wrote it: a flag, or "file: key". */
function refusedValue(spec: OptionSpec, label: string, got: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`${label} must be ${describeAccepted(spec)}, got ${describeGot(got)}`, { subject: label });
}

/** Returns `value` if the option accepts it, else throws InvalidArgumentError naming `label` (default: the flag). */
export function checkOptionValue(spec: OptionSpec, value: unknown, label: string = spec.flag): OptionValue {
  if (!isAcceptedValue(spec, value)) throw refusedValue(spec, label, value);
  return value;
}

/**
 * Parses command-line text into the option's value (a commander argParser): numbers as plain decimals, booleans as
 * "true"/"false", strings and choices as given. Throws InvalidArgumentError quoting the text as typed.
 */
export function parseOptionText(spec: OptionSpec, text: string): OptionValue {
  let value: unknown = text;
  if (spec.kind === 'integer' || spec.kind === 'number') value = DECIMAL.test(text.trim()) ? Number(text) : undefined;
  else if (spec.kind === 'boolean') value = text === 'true' ? true : text === 'false' ? false : undefined;
  if (!isAcceptedValue(spec, value)) throw refusedValue(spec, spec.flag, text);
  return value;
}
