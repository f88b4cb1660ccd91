// The environment torchrun gives each worker (torch/distributed/elastic/agent/server/local_elastic_agent.py):
// ranks are laid out node-major, so node n's local rank l is global rank n * nprocPerNode + l, and every node
// runs the same number of workers.
//
// Unlike torchrun it does not set OMP_NUM_THREADS=1: each worker gives its BLAS cores / LOCAL_WORLD_SIZE threads
// itself (run-worker.ts), the same however the worker was started, which exact resume needs (OpenBLAS's sums
// depend on the thread count).

import { InvalidArgumentError } from '@ringtrain/common';
import { requireInteger } from './integer.js';

export interface WorkerEnvironmentOptions {
  /** This node's index in [0, nnodes) (`--node-rank`); becomes GROUP_RANK. */
  nodeRank: number;
  /** Number of nodes in the run, at least 1. */
  nnodes: number;
  /** Worker processes on every node, at least 1 (`--nproc-per-node`); becomes LOCAL_WORLD_SIZE. */
  nprocPerNode: number;
  /** This worker's index on its node, in [0, nprocPerNode); becomes LOCAL_RANK. */
  localRank: number;
  /** Host of the rendezvous (the coordinator), becomes MASTER_ADDR. */
  masterAddr: string;
  /** Port of the rendezvous in [1, 65535], becomes MASTER_PORT. */
  masterPort: number;
  /**
   * true: pin the worker to one GPU by setting CUDA_VISIBLE_DEVICES to its local rank. false (default): leave
   * CUDA_VISIBLE_DEVICES as `base` has it.
   */
  gpu?: boolean;
  /** Variables to start from, usually `process.env`; the rank variables override them. Default: none. */
  base?: NodeJS.ProcessEnv;
}

/**
 * The complete environment of one worker: `base` plus RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, GROUP_RANK,
 * MASTER_ADDR, MASTER_PORT.
 */
export function workerEnvironment(options: WorkerEnvironmentOptions): Record<string, string> {
  const nnodes = requireInteger(options.nnodes, 'nnodes', 1);
  const nprocPerNode = requireInteger(options.nprocPerNode, 'nprocPerNode', 1);
  const nodeRank = requireInteger(options.nodeRank, 'nodeRank', 0);
  const localRank = requireInteger(options.localRank, 'localRank', 0);
  if (nodeRank >= nnodes) throw new InvalidArgumentError(`nodeRank must be below nnodes (${nnodes}), got ${nodeRank}`, { subject: 'nodeRank' });
  if (localRank >= nprocPerNode) {
    throw new InvalidArgumentError(`localRank must be below nprocPerNode (${nprocPerNode}), got ${localRank}`, { subject: 'localRank' });
  }
  if (options.masterAddr === '') throw new InvalidArgumentError('masterAddr must not be empty', { subject: 'masterAddr' });
  if (!Number.isInteger(options.masterPort) || options.masterPort < 1 || options.masterPort > 65535) {
    throw new InvalidArgumentError(`masterPort must be an integer in [1, 65535], got ${options.masterPort}`, { subject: 'masterPort' });
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.base ?? {})) if (value !== undefined) env[name] = value;
  Object.assign(env, {
    RANK: String(nodeRank * nprocPerNode + localRank),
    WORLD_SIZE: String(nnodes * nprocPerNode),
    LOCAL_RANK: String(localRank),
    LOCAL_WORLD_SIZE: String(nprocPerNode),
    GROUP_RANK: String(nodeRank),
    MASTER_ADDR: options.masterAddr,
    MASTER_PORT: String(options.masterPort),
  });
  if (options.gpu === true) env.CUDA_VISIBLE_DEVICES = String(localRank);
  return env;
}
