// A worker counts as bound to its CPUs (its BLAS then takes all of them) only when it runs on exactly the list launch
// gave it: an inherited or hand-set RINGTRAIN_CPU_BINDING on an unbound worker changes nothing.
import { describe, expect, it } from 'vitest';
import { boundTo } from './run-worker.js';

describe('boundTo', () => {
  it('is true only when the process runs on exactly the CPUs of its binding', () => {
    expect(boundTo('1', '1')).toBe(true);
    expect(boundTo('0-3', '0-3')).toBe(true);
    expect(boundTo(undefined, '0-1')).toBe(false);
    expect(boundTo('1', '0-1')).toBe(false); // claimed by an inherited variable; the process has both CPUs
    expect(boundTo('0-1', undefined)).toBe(false); // no Linux list to check it against
  });
});
