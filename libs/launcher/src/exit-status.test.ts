import { describe, expect, it } from 'vitest';
import { exitStatus } from './exit-status.js';

describe('exitStatus', () => {
  it('is the exit code when the process exited', () => {
    expect(exitStatus(0, null)).toBe(0);
    expect(exitStatus(3, null)).toBe(3);
  });

  it('is 128 + the Linux signal number when a signal killed the process', () => {
    expect(exitStatus(null, 'SIGINT')).toBe(130); // SIGINT = 2
    expect(exitStatus(null, 'SIGKILL')).toBe(137); // SIGKILL = 9
    expect(exitStatus(null, 'SIGTERM')).toBe(143); // SIGTERM = 15
  });
});
