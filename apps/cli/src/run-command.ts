// Turns what a command throws into an exit code and one clear line on stderr - never a stack trace
// for a user's mistake. Exit 2: bad input (options, config, files). Exit 1: the run failed.
import { ErrorCodes, isRingtrainError } from '@ringtrain/common';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function reportAndExit(err: unknown): never {
  if (isRingtrainError(err)) {
    process.stderr.write(`ringtrain: ${err.message}\n`);
    process.exit(err.code === ErrorCodes.INVALID_ARGUMENT ? EXIT_USAGE : EXIT_FAILURE);
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`ringtrain: ${e.message}\n`);
  if (process.env.RINGTRAIN_DEBUG) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write('ringtrain: set RINGTRAIN_DEBUG=1 for a stack trace\n');
  process.exit(EXIT_FAILURE);
}

/** Wraps a command action so that any error ends the process through reportAndExit. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      reportAndExit(err);
    }
  };
}
