import { describe, expect, it } from 'vitest';
import { allowedCpuList, allowedCpus, chooseCpuBinding, formatCpuList, ownCpuList, parseCpuList, physicalCores, planCpuBinding } from './cpu-binding.js';

describe('CPU lists', () => {
  it('parses and formats Linux CPU lists, ranges and single ids', () => {
    expect(parseCpuList('0-3,8,10-11')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseCpuList('5')).toEqual([5]);
    expect(formatCpuList([0, 1, 2, 3, 8, 10, 11])).toBe('0-3,8,10-11');
    expect(formatCpuList([4, 0])).toBe('0,4');
    for (const bad of ['', '1-', 'a', '3-1', '0,,1']) expect(parseCpuList(bad)).toBeUndefined();
  });

  it("reads a process's allowed CPUs from its /proc status, as Linux lists them and as ids", () => {
    const status = 'Name:\tnode\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\nMems_allowed:\t1\n';
    expect(allowedCpuList(status)).toBe('0-1');
    expect(allowedCpus(status)).toEqual([0, 1]);
    expect(allowedCpus('Name:\tnode\n')).toBeUndefined();
    // This process's own (Linux): a list of at least one CPU.
    expect(parseCpuList(ownCpuList()!)!.length).toBeGreaterThan(0);
  });
});

/** A host with `cores` physical cores of 2 hyperthreads, numbered as x86 Linux does: core c is CPUs c and c + cores. */
const smt = (cores: number) => (cpu: number) => [cpu % cores, (cpu % cores) + cores];

describe('physicalCores and planCpuBinding', () => {
  it('gives each local worker an equal contiguous block of cores, local rank 0 the first', () => {
    const cores = physicalCores([0, 1], () => undefined);
    expect(cores).toEqual([[0], [1]]);
    expect(planCpuBinding(cores, 2)).toEqual([[0], [1]]);
    // 8 single-thread cores, 3 workers: blocks of floor(8/3) = 2, the last 2 unused (mpirun binds a rank to its cores only).
    expect(planCpuBinding(physicalCores([0, 1, 2, 3, 4, 5, 6, 7], () => undefined), 3)).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(planCpuBinding(physicalCores([0, 1, 2, 3], () => undefined), 1)).toEqual([[0, 1, 2, 3]]);
  });

  it('keeps the hyperthreads of a core together: 2 workers on 4 cores x 2 threads get 2 whole cores each, never a shared one', () => {
    const cores = physicalCores([0, 1, 2, 3, 4, 5, 6, 7], smt(4));
    expect(cores).toEqual([[0, 4], [1, 5], [2, 6], [3, 7]]);
    expect(planCpuBinding(cores, 2)).toEqual([[0, 4, 1, 5], [2, 6, 3, 7]]);
    // A cpuset with only some of a core's threads: the core has what is allowed of it.
    expect(physicalCores([0, 1, 4], smt(4))).toEqual([[0, 4], [1]]);
  });

  it('binds nobody when the workers outnumber the cores (they share cores whatever the binding)', () => {
    expect(planCpuBinding(physicalCores([0, 1, 2, 3], smt(2)), 3)).toBeUndefined();
  });
});

describe('chooseCpuBinding', () => {
  const status = 'Name:\tnode\nCpus_allowed_list:\t0-3\n';
  const host = { status, siblings: () => undefined, path: '/nonexistent:/usr/bin:/bin', tasksetWorks: () => true };

  it('binds through taskset when it is there and works, one list per local rank', () => {
    expect(chooseCpuBinding(2, host)).toEqual({ taskset: '/usr/bin/taskset', lists: ['0-1', '2-3'] });
  });

  it('says why it binds nobody: not Linux, more workers than cores, no taskset, a taskset that cannot set CPUs', () => {
    expect(chooseCpuBinding(2, { ...host, status: undefined }).notice).toBe('workers are not bound to CPUs: no /proc/self/status to read the allowed CPUs from (not Linux?)');
    expect(chooseCpuBinding(5, host).notice).toBe('workers are not bound to CPUs: 5 workers on 4 cores would share them');
    expect(chooseCpuBinding(2, { ...host, status: 'Cpus_allowed_list:\t0\n' }).notice).toBe('workers are not bound to CPUs: 2 workers on 1 core would share them');
    expect(chooseCpuBinding(2, { ...host, path: '/nonexistent' }).notice).toBe('workers are not bound to CPUs: taskset (util-linux) is not on PATH');
    expect(chooseCpuBinding(2, { ...host, tasksetWorks: () => false }).notice).toBe("workers are not bound to CPUs: taskset -c 0-1 cannot set a process's CPUs here");
  });

  it('tries taskset for real on this machine (where it is installed and the process may use CPU 0)', () => {
    const binding = chooseCpuBinding(1);
    if (binding.taskset !== undefined) expect(binding.lists).toHaveLength(1);
    else expect(binding.notice).toMatch(/^workers are not bound to CPUs: /);
  });
});
