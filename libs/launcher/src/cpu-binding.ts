// Binding each local worker to CPUs of its own, as `mpirun --bind-to core` does by default for two ranks (and
// Horovod with it): a worker that stays on its core keeps its caches and does not meet the other worker's threads
// when the scheduler moves it. On this 2-core machine two cnn workers bound to a core each took 0.3-2.4 ms less per
// step (of ~65) than unbound ones in four alternating pairs, the mlp 0.15-1.3 ms (of ~7) in three (README, "Training
// step benchmark").
// Workers are started through `taskset -c LIST` (util-linux), so every thread of the process, those Node and V8
// start before any JavaScript runs included, inherits the binding. The plan itself is pure.

import { existsSync, readFileSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** CPU ids of a Linux CPU list: `0-3,8,10-11` -> [0, 1, 2, 3, 8, 10, 11]; undefined if it is not one. */
export function parseCpuList(text: string): number[] | undefined {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!range) return undefined;
    const first = Number(range[1]);
    const last = range[2] === undefined ? first : Number(range[2]);
    if (last < first) return undefined;
    for (let cpu = first; cpu <= last; cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** The inverse, with runs of consecutive ids as ranges: [0, 1, 2, 3, 8] -> `0-3,8`. */
export function formatCpuList(cpus: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; ) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j]! + 1) j++;
    parts.push(j === i ? String(cpus[i]) : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The CPUs a process may run on, from its /proc/<pid>/status text (`Cpus_allowed_list:`); undefined if absent. */
export function allowedCpus(statusText: string): number[] | undefined {
  const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(statusText);
  return line ? parseCpuList(line[1]!) : undefined;
}

/**
 * Each of `workers` local workers' CPUs: contiguous blocks of floor(cpus / workers) of `cpus`, in order (local rank 0
 * the first block); undefined when there are more workers than CPUs (they would share cores whatever the binding).
 */
export function planCpuBinding(cpus: readonly number[], workers: number): number[][] | undefined {
  const per = Math.floor(cpus.length / workers);
  if (per < 1) return undefined;
  return Array.from({ length: workers }, (_, rank) => cpus.slice(rank * per, (rank + 1) * per));
}

/** Where `name` is in the absolute directories of PATH, or undefined. */
function onPath(name: string, path: string | undefined): string | undefined {
  return (path ?? '')
    .split(delimiter)
    .filter((dir) => isAbsolute(dir))
    .map((dir) => join(dir, name))
    .find((file) => existsSync(file));
}

export interface CpuBinding {
  /** The `taskset` to start workers with, and each local rank's CPU list; undefined when workers are not bound. */
  taskset?: string;
  lists?: string[];
  /** Why workers are not bound, for the log; undefined when they are (or binding was not asked for). */
  notice?: string;
}

/** What `--bind-to core` does on this machine for `workers` local workers. */
export function chooseCpuBinding(workers: number, env: NodeJS.ProcessEnv = process.env): CpuBinding {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return { notice: 'workers are not bound to CPUs: no /proc/self/status to read the allowed CPUs from (not Linux?)' };
  }
  const cpus = allowedCpus(status);
  if (cpus === undefined) return { notice: 'workers are not bound to CPUs: /proc/self/status lists no Cpus_allowed_list' };
  const plan = planCpuBinding(cpus, workers);
  if (plan === undefined) return { notice: `workers are not bound to CPUs: ${workers} workers on ${cpus.length} CPUs share them` };
  const taskset = onPath('taskset', env.PATH);
  if (taskset === undefined) return { notice: 'workers are not bound to CPUs: taskset (util-linux) is not on PATH' };
  return { taskset, lists: plan.map(formatCpuList) };
}
