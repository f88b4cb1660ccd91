// Real `ringtrain` processes for end-to-end tests: start one, read its output as it comes, wait for it with a
// deadline (then kill it, so a hung run fails its test instead of the whole suite), and find every process a
// test started through a marker in their environment, to prove none is left behind.

import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The CLI's entry script. */
export const BIN = fileURLToPath(new URL('../../apps/cli/bin/ringtrain.mjs', import.meta.url));
const MARKER = 'RINGTRAIN_E2E_MARKER';

export interface CliProcess {
  child: ChildProcess;
  /** Everything written so far on stdout and stderr. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (128 + n for a signal) once the process has exited and its output is read. */
  exited: Promise<number>;
  /** Resolves once `pattern` appears on stdout or stderr; rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Starts `ringtrain ...args` with `marker` in its environment (inherited by its workers). Killed after `deadlineMs`. */
export function startCli(args: readonly string[], marker: string, env: Record<string, string> = {}, deadlineMs = 120_000): CliProcess {
  const { RINGTRAIN_DEBUG: _debug, RINGTRAIN_TOKEN: _token, ...base } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...base, ...env, [MARKER]: marker }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const watchers: Array<() => void> = [];
  child.stdout!.setEncoding('utf8').on('data', (s: string) => ((out += s), watchers.forEach((w) => w())));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => ((err += s), watchers.forEach((w) => w())));
  const deadline = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  const exited = new Promise<number>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      resolve(code ?? 128 + (SIGNALS[signal ?? ''] ?? 0));
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = (out + err).match(pattern);
          if (m) resolve(m);
          return m !== null;
        };
        if (check()) return;
        watchers.push(check);
        setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; output so far:\n${out}\n${err}`)), timeoutMs).unref();
        void exited.then((code) => {
          if (!check()) reject(new Error(`exited with ${code} before ${pattern} appeared; output:\n${out}\n${err}`));
        });
      }),
  };
}

/** Runs `ringtrain ...args` to its end (startCli, marked `marker`): its exit code and all its output. */
export async function runCli(args: readonly string[], marker: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = startCli(args, marker, env);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** Process ids of every live process started with `marker` in its environment (Linux /proc). */
export function processesWithMarker(marker: string): number[] {
  const needle = `${MARKER}=${marker}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // exited, waiting to be reaped
      if (`${readFileSync(`/proc/${entry}/environ`, 'utf8')}\0`.includes(needle)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

/** Waits up to `ms` for every process of `marker` to be gone; returns those still alive. */
export async function leftovers(marker: string, ms = 5000): Promise<number[]> {
  const end = Date.now() + ms;
  let alive = processesWithMarker(marker);
  while (alive.length > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    alive = processesWithMarker(marker);
  }
  return alive;
}

/** A TCP port that was free a moment ago (for runs whose nodes must agree on the coordinator's port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
