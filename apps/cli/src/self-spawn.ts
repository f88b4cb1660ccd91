// Starts another ringtrain process running `args`, the same way this one was started (the same node,
// loader flags and entry script); by default with this process's stdout and stderr and an IPC channel.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

/** `env` adds to this process's environment (an undefined value removes a variable); `stdio` defaults to this process's stdout and stderr, and an IPC channel. */
export function spawnSelf(args: string[], env: Record<string, string | undefined>, stdio: StdioOptions = ['ignore', 'inherit', 'inherit', 'ipc']): ChildProcess {
  const entry = process.argv[1];
  if (!entry) throw new Error('cannot find the ringtrain entry script to start workers');
  return spawn(process.execPath, [...process.execArgv, entry, ...args], { stdio, env: { ...process.env, ...env } });
}
