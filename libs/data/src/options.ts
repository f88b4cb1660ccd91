import { InvalidArgumentError } from '@ringtrain/common';

/**
 * Checks that an option is an integer in [min, max] and returns it; otherwise throws InvalidArgumentError
 * naming the option (`subject`, e.g. '--world-size'), so the CLI can print it and exit with code 2.
 * `hint` is appended to the message to say why the range is what it is.
 */
export function requireInteger(
  value: number,
  subject: string,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
  hint = '',
): number {
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
  throw new InvalidArgumentError(`${subject} must be ${range}${hint}, got ${value}`, { subject });
}
