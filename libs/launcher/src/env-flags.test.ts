import { InvalidArgumentError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { launcherFlagsFromEnv } from './env-flags.js';

describe('launcherFlagsFromEnv', () => {
  it("reads torchrun's PET_* variables", () => {
    const env = { PET_NPROC_PER_NODE: '4', PET_NNODES: '1:3', PET_NODE_RANK: '2', PET_RDZV_ENDPOINT: '[::1]:29400', PET_MAX_RESTARTS: '0', HOME: '/root' };
    expect(launcherFlagsFromEnv(env)).toEqual({ nprocPerNode: 4, nnodes: '1:3', nodeRank: 2, rdzvEndpoint: '[::1]:29400', maxRestarts: 0 });
  });

  it('leaves unset variables out', () => {
    expect(launcherFlagsFromEnv({ PET_NODE_RANK: '0' })).toEqual({ nodeRank: 0 });
    expect(launcherFlagsFromEnv({})).toEqual({});
  });

  it.each([
    ['PET_NPROC_PER_NODE', 'x', 'PET_NPROC_PER_NODE must be an integer >= 1, got "x"'],
    ['PET_NPROC_PER_NODE', '0', 'PET_NPROC_PER_NODE must be an integer >= 1, got "0"'],
    ['PET_NPROC_PER_NODE', '', 'PET_NPROC_PER_NODE must be an integer >= 1, got ""'],
    ['PET_NODE_RANK', '-1', 'PET_NODE_RANK must be an integer >= 0, got "-1"'],
    ['PET_NODE_RANK', '1.5', 'PET_NODE_RANK must be an integer >= 0, got "1.5"'],
    ['PET_MAX_RESTARTS', ' 3', 'PET_MAX_RESTARTS must be an integer >= 0, got " 3"'],
    ['PET_NNODES', '3:2', 'PET_NNODES must be N or MIN:MAX with 1 <= MIN <= MAX, got "3:2"'],
    ['PET_RDZV_ENDPOINT', 'host', 'PET_RDZV_ENDPOINT must be HOST:PORT or [IPV6]:PORT, got "host"'],
  ])('rejects %s=%j naming the variable', (name, value, message) => {
    const error = thrownBy(() => launcherFlagsFromEnv({ [name]: value }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).detail).toBe(message);
    expect((error as InvalidArgumentError).context.subject).toBe(name);
  });
});

function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (err) {
    return err;
  }
  return undefined;
}
