// Binding each local worker to CPUs of its own, as `mpirun --bind-to core` does by default for two ranks (and
// Horovod with it): a worker that stays on its cores keeps its caches and does not meet the other worker's threads
// when the scheduler moves it. On this 2-core machine two cnn workers bound to a core each took 0.3-2.4 ms less per
// step (of ~65) than unbound ones in four alternating pairs, the mlp 0.15-1.3 ms (of ~7) in three (README, "Training
// step benchmark"). A worker gets whole physical cores: the hyperthreads of one core (Linux's thread_siblings_list)
// stay together, so two workers never share a core. Workers are started through `taskset -c LIST` (util-linux), so
// every thread of the process, those Node and V8 start before any JavaScript runs included, inherits the binding.
// The plan itself is pure.

import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
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
  const sorted = [...cpus].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The list of CPUs a process may run on (`0-3`), from its /proc/<pid>/status text; undefined if absent. */
export function allowedCpuList(statusText: string): string | undefined {
  return /^Cpus_allowed_list:\s*(.+)$/m.exec(statusText)?.[1];
}

/** The same as CPU ids. */
export function allowedCpus(statusText: string): number[] | undefined {
  const list = allowedCpuList(statusText);
  return list === undefined ? undefined : parseCpuList(list);
}

/**
 * `cpus` grouped into physical cores, in order of their first CPU: `siblings(cpu)` is the CPU's hyperthread siblings
 * (itself included), or undefined when unknown (the CPU then counts as a core of its own). CPUs outside `cpus` are
 * left out of every core.
 */
export function physicalCores(cpus: readonly number[], siblings: (cpu: number) => readonly number[] | undefined): number[][] {
  const allowed = new Set(cpus);
  const seen = new Set<number>();
  const cores: number[][] = [];
  for (const cpu of [...cpus].sort((a, b) => a - b)) {
    if (seen.has(cpu)) continue;
    const core = (siblings(cpu) ?? [cpu]).filter((sibling) => allowed.has(sibling) && !seen.has(sibling));
    if (!core.includes(cpu)) core.unshift(cpu);
    core.forEach((member) => seen.add(member));
    cores.push(core.sort((a, b) => a - b));
  }
  return cores;
}

/**
 * Each of `workers` local workers' CPUs: contiguous blocks of floor(cores / workers) of the physical `cores`, in
 * order (local rank 0 the first block), every hyperthread of a core with it; undefined when there are more workers
 * than cores (they would share cores whatever the binding).
 */
export function planCpuBinding(cores: readonly (readonly number[])[], workers: number): number[][] | undefined {
  const per = Math.floor(cores.length / workers);
  if (per < 1) return undefined;
  return Array.from({ length: workers }, (_, rank) => cores.slice(rank * per, (rank + 1) * per).flat());
}

/** Where `name` is, executable, in the absolute directories of PATH; or undefined. */
function onPath(name: string, path: string | undefined): string | undefined {
  const executable = (file: string): boolean => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  return (path ?? '')
    .split(delimiter)
    .filter((dir) => isAbsolute(dir))
    .map((dir) => join(dir, name))
    .find(executable);
}

/** A CPU's hyperthread siblings from sysfs, or undefined where the kernel does not say. */
function sysfsSiblings(cpu: number): number[] | undefined {
  try {
    return parseCpuList(readFileSync(`/sys/devices/system/cpu/cpu${cpu}/topology/thread_siblings_list`, 'utf8'));
  } catch {
    return undefined;
  }
}

export interface CpuBinding {
  /** The `taskset` to start workers with, and each local rank's CPU list; undefined when workers are not bound. */
  taskset?: string;
  lists?: string[];
  /** Why workers are not bound, for the log; undefined when they are (or binding was not asked for). */
  notice?: string;
}

/** What this machine is, for chooseCpuBinding; every field can be given in tests. */
export interface CpuBindingHost {
  /** This process's /proc/self/status text; undefined where there is none (not Linux). Default: read it. */
  status?: string | undefined;
  siblings?: (cpu: number) => readonly number[] | undefined;
  /** PATH, to find taskset. */
  path?: string | undefined;
  /** Whether `taskset -c LIST` can run a program here (a sandbox may refuse to set affinity). */
  tasksetWorks?: (taskset: string, list: string) => boolean;
}

function readStatus(): string | undefined {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return undefined;
  }
}

/** The CPUs this process may run on, as Linux lists them (`0-3`); undefined where it does not say (not Linux). */
export function ownCpuList(): string | undefined {
  const status = readStatus();
  return status === undefined ? undefined : allowedCpuList(status);
}

const tasksetRuns = (taskset: string, list: string): boolean => spawnSync(taskset, ['-c', list, process.execPath, '--version'], { stdio: 'ignore' }).status === 0;

/** What `--bind-to core` does on this machine for `workers` local workers. */
export function chooseCpuBinding(workers: number, host: CpuBindingHost = {}): CpuBinding {
  const { siblings = sysfsSiblings, path = process.env.PATH, tasksetWorks = tasksetRuns } = host;
  const status = 'status' in host ? host.status : readStatus();
  const unbound = (why: string): CpuBinding => ({ notice: `workers are not bound to CPUs: ${why}` });
  if (status === undefined) return unbound('no /proc/self/status to read the allowed CPUs from (not Linux?)');
  const cpus = allowedCpus(status);
  if (cpus === undefined) return unbound('/proc/self/status lists no Cpus_allowed_list');
  const cores = physicalCores(cpus, siblings);
  const plan = planCpuBinding(cores, workers);
  if (plan === undefined) return unbound(`${workers} workers on ${cores.length} core${cores.length === 1 ? '' : 's'} would share them`);
  const taskset = onPath('taskset', path);
  if (taskset === undefined) return unbound('taskset (util-linux) is not on PATH');
  const lists = plan.map(formatCpuList);
  if (!tasksetWorks(taskset, lists[0]!)) return unbound(`taskset -c ${lists[0]} cannot set a process's CPUs here`);
  return { taskset, lists };
}
