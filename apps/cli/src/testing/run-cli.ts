// Runs the real `ringtrain` binary in a child process, the way a user would, for tests of the CLI's parsing,
// output and exit codes.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** The workspace root: the CLI runs from there, and test fixtures are found from it. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/ringtrain.mjs', import.meta.url));

export interface CliResult {
  /** Process exit code. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node apps/cli/bin/ringtrain.mjs ...args` from the repo root; resolves with its exit code and output. */
export function runCli(args: readonly string[]): Promise<CliResult> {
  // Without RINGTRAIN_DEBUG, whatever a developer has set: tests check that no stack trace is printed.
  const { RINGTRAIN_DEBUG: _debug, ...env } = process.env;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') reject(error);
      else resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}

/** A user's mistake: exit code 2, nothing on stdout, the first stderr line names `option`, no stack trace. */
export function expectUsageError({ code, stdout, stderr }: CliResult, option: string): void {
  expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
  expect(stderr.split('\n')[0]).toContain(option);
  expect(stderr).not.toContain('    at ');
}
