import { constants } from 'node:os';

/**
 * The shell's exit status for a process end: its exit code, or 128 + the signal number when a signal killed it
 * (SIGTERM -> 143, SIGKILL -> 137), which is what torchrun and every shell report. Node always gives one of
 * the two; should neither be set, the end counts as a failure (1), never as success.
 */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal !== null) return 128 + constants.signals[signal];
  return code ?? 1;
}
