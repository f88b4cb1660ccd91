// Its own file: the process opens a BLAS once, so the failure path needs a process that has not opened one yet.
import { describe, expect, it } from 'vitest';
import { openNativeBlas } from './index.js';

describe('openNativeBlas without a usable library', () => {
  it('says which library it tried and why it failed, instead of throwing', () => {
    const result = openNativeBlas({ RINGTRAIN_BLAS_LIBRARY: '/nonexistent/libnoblas.so' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    // Either the addon is not built here (then the reason says how to build it) or dlopen failed on the path.
    expect(result.reason).toMatch(/libnoblas\.so|native addon is not built/);
  });
});
