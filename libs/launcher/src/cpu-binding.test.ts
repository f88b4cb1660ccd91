import { describe, expect, it } from 'vitest';
import { allowedCpus, formatCpuList, parseCpuList, planCpuBinding } from './cpu-binding.js';

describe('CPU lists', () => {
  it('parses and formats Linux CPU lists, ranges and single ids', () => {
    expect(parseCpuList('0-3,8,10-11')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(parseCpuList('5')).toEqual([5]);
    expect(formatCpuList([0, 1, 2, 3, 8, 10, 11])).toBe('0-3,8,10-11');
    expect(formatCpuList([4])).toBe('4');
    for (const bad of ['', '1-', 'a', '3-1', '0,,1']) expect(parseCpuList(bad)).toBeUndefined();
  });

  it("reads a process's allowed CPUs from its /proc status", () => {
    expect(allowedCpus('Name:\tnode\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\nMems_allowed:\t1\n')).toEqual([0, 1]);
    expect(allowedCpus('Name:\tnode\n')).toBeUndefined();
  });
});

describe('planCpuBinding', () => {
  it('gives each local worker an equal contiguous block, local rank 0 the first', () => {
    expect(planCpuBinding([0, 1], 2)).toEqual([[0], [1]]);
    // 8 CPUs, 3 workers: blocks of floor(8/3) = 2, the last 2 CPUs unused (as mpirun binds a rank to its cores only).
    expect(planCpuBinding([0, 1, 2, 3, 4, 5, 6, 7], 3)).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(planCpuBinding([2, 3, 6, 7], 2)).toEqual([[2, 3], [6, 7]]);
    expect(planCpuBinding([0, 1, 2, 3], 1)).toEqual([[0, 1, 2, 3]]);
  });

  it('binds nobody when the workers outnumber the CPUs (they share cores whatever the binding)', () => {
    expect(planCpuBinding([0, 1], 4)).toBeUndefined();
  });
});
