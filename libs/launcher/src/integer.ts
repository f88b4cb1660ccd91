import { InvalidArgumentError } from '@ringtrain/common';

/**
 * Parses a launcher value written as decimal digits only (no sign, no spaces, no exponent), the way a flag or
 * an environment variable gives it, and checks it is at least `min`. `source` names where the text came from
 * (`PET_NODE_RANK`, `--max-restarts`) so the error points at it.
 */
export function parseIntegerAtLeast(text: string, source: string, min: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(`${source} must be an integer >= ${min}, got "${text}"`, { subject: source });
  }
  return value;
}

/** Checks a number given in code (not parsed from text) is an integer >= min, naming the option on failure. */
export function requireInteger(value: number, name: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${value}`, { subject: name });
  }
  return value;
}
