// Option checks shared by every part of the lib. Each names the option the way a user typed it
// (`--t-max must be a positive integer, got 0`), so the CLI can print the message as is and exit with code 2.

import { InvalidArgumentError } from '@ringtrain/common';

function fail(option: string, requirement: string, value: unknown): never {
  throw new InvalidArgumentError(`${option} must be ${requirement}, got ${String(value)}`, { subject: option });
}

export function checkPositiveInteger(value: number, option: string): void {
  if (!Number.isInteger(value) || value <= 0) fail(option, 'a positive integer', value);
}

export function checkNonNegativeInteger(value: number, option: string): void {
  if (!Number.isInteger(value) || value < 0) fail(option, 'a non-negative integer', value);
}

/** Finite and > 0. NaN and Infinity fail every check here: no option of this lib means anything with them. */
export function checkPositive(value: number, option: string): void {
  if (!(Number.isFinite(value) && value > 0)) fail(option, 'a finite number > 0', value);
}

export function checkNonNegative(value: number, option: string): void {
  if (!(Number.isFinite(value) && value >= 0)) fail(option, 'a finite number >= 0', value);
}

/** A value in the unit interval; `open` says which ends are excluded, e.g. {high: true} for [0, 1). */
export function checkUnitInterval(value: number, option: string, open: { low?: boolean; high?: boolean } = {}): void {
  const lowOk = open.low === true ? value > 0 : value >= 0;
  const highOk = open.high === true ? value < 1 : value <= 1;
  if (!(lowOk && highOk)) fail(option, `in ${open.low === true ? '(' : '['}0, 1${open.high === true ? ')' : ']'}`, value);
}

/** The flat vectors of one model all have the same length; a mismatch means mixed-up models or buffers. */
export function checkLength(array: ArrayLike<number>, expected: number, name: string): void {
  if (array.length !== expected) {
    throw new InvalidArgumentError(`${name} has ${array.length} elements, expected ${expected}`, { subject: name });
  }
}
