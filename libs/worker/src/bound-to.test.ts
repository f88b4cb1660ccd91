// A worker counts as bound to its CPUs (its BLAS then takes all of them) only when it runs on exactly the list launch
// gave it: an inherited or hand-set RINGTRAIN_CPU_BINDING on an unbound worker changes nothing.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { boundTo } from './run-worker.js';

describe('boundTo', () => {
  it('is true only for the CPUs this process runs on', () => {
    expect(boundTo(undefined)).toBe(false);
    expect(boundTo('not a list')).toBe(false);
    const own = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]!;
    expect(boundTo(own)).toBe(true);
    expect(boundTo(`${own},4095`)).toBe(false); // a list that claims more than this process has
  });
});
