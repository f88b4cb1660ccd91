// Runs the real `ringtrain` binary for end-to-end tests: exit code and output, never a throw.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The CLI's entry script. */
export const bin = fileURLToPath(new URL('../apps/cli/bin/ringtrain.mjs', import.meta.url));

/** Runs `ringtrain ...args` with this process's environment plus `env`. */
export async function ringtrain(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { timeout: 120_000, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
