// Commander argument parsers for numeric options. They only turn text into a number and refuse what is not one
// ("abc", "", "Infinity", "0x10"); the range of each option is checked where its meaning lives (the libs name the
// flag in their InvalidArgumentError), except for options that exist only in the CLI, which use integerOption.
// The InvalidArgumentError they throw leaves commander's parse and ends in reportAndExit: one line, exit code 2.
import { InvalidArgumentError } from '@ringtrain/common';

/** A plain decimal literal with an optional exponent: 3, -0.5, .25, 1e-4. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Parser for an option whose value is any finite decimal number. */
export function numberOption(flag: string): (text: string) => number {
  return (text) => {
    const value = DECIMAL.test(text.trim()) ? Number(text) : NaN;
    if (!Number.isFinite(value)) throw new InvalidArgumentError(`${flag} must be a number, got "${text}"`, { subject: flag });
    return value;
  };
}

/** Parser for an option whose value is an integer >= min (a count, a length). */
export function integerOption(flag: string, min: number): (text: string) => number {
  const parseNumber = numberOption(flag);
  return (text) => {
    const value = parseNumber(text);
    if (!Number.isSafeInteger(value) || value < min) {
      throw new InvalidArgumentError(`${flag} must be an integer >= ${min}, got ${text}`, { subject: flag });
    }
    return value;
  };
}
