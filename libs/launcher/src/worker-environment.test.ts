import { InvalidArgumentError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { workerEnvironment } from './worker-environment.js';

const cluster = { nnodes: 2, nprocPerNode: 2, masterAddr: '10.0.0.1', masterPort: 29500 };

describe('workerEnvironment', () => {
  it('lays out 2 nodes x 2 processes node-major, as torchrun: RANK = nodeRank * 2 + localRank', () => {
    const grid = [0, 1].map((nodeRank) => [0, 1].map((localRank) => workerEnvironment({ ...cluster, nodeRank, localRank })));
    expect(grid.flat().map((env) => [env.GROUP_RANK, env.LOCAL_RANK, env.RANK])).toEqual([
      ['0', '0', '0'],
      ['0', '1', '1'],
      ['1', '0', '2'],
      ['1', '1', '3'],
    ]);
    expect(grid[1]![1]).toEqual({
      RANK: '3',
      WORLD_SIZE: '4',
      LOCAL_RANK: '1',
      LOCAL_WORLD_SIZE: '2',
      GROUP_RANK: '1',
      MASTER_ADDR: '10.0.0.1',
      MASTER_PORT: '29500',
    });
  });

  it('pins a GPU worker to the device of its local rank', () => {
    expect(workerEnvironment({ ...cluster, nodeRank: 1, localRank: 1, gpu: true }).CUDA_VISIBLE_DEVICES).toBe('1');
    expect(workerEnvironment({ ...cluster, nodeRank: 1, localRank: 0, gpu: true, base: { CUDA_VISIBLE_DEVICES: '0,1' } }).CUDA_VISIBLE_DEVICES).toBe('0');
  });

  it('leaves CUDA_VISIBLE_DEVICES as the base has it for CPU workers', () => {
    expect(workerEnvironment({ ...cluster, nodeRank: 0, localRank: 1 })).not.toHaveProperty('CUDA_VISIBLE_DEVICES');
    expect(workerEnvironment({ ...cluster, nodeRank: 0, localRank: 1, base: { CUDA_VISIBLE_DEVICES: '3' } }).CUDA_VISIBLE_DEVICES).toBe('3');
  });

  it('keeps the defined base variables and lets the rank variables override stale ones', () => {
    const env = workerEnvironment({ ...cluster, nodeRank: 0, localRank: 1, base: { PATH: '/bin', RANK: '9', UNSET: undefined } });
    expect(env.PATH).toBe('/bin');
    expect(env.RANK).toBe('1');
    expect(env).not.toHaveProperty('UNSET');
  });

  it.each([
    [{ nodeRank: 2, localRank: 0 }, 'nodeRank must be below nnodes (2), got 2'],
    [{ nodeRank: 0, localRank: 2 }, 'localRank must be below nprocPerNode (2), got 2'],
    [{ nodeRank: 0, localRank: -1 }, 'localRank must be an integer >= 0, got -1'],
    [{ nodeRank: 0, localRank: 0, nprocPerNode: 1.5 }, 'nprocPerNode must be an integer >= 1, got 1.5'],
    [{ nodeRank: 0, localRank: 0, masterPort: 70000 }, 'masterPort must be an integer in [1, 65535], got 70000'],
    [{ nodeRank: 0, localRank: 0, masterAddr: '' }, 'masterAddr must not be empty'],
  ])('rejects %o', (override, message) => {
    const call = () => workerEnvironment({ ...cluster, ...override });
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });
});
