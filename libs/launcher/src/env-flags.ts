// torchrun reads every launcher flag also from a PET_<FLAG> environment variable (torch.distributed.argparse_util's
// `env` action), which is how Kubeflow's PyTorchJob and most cluster templates configure it. These are the
// variables for the flags `ringtrain launch` shares with torchrun.

import { parseEndpoint } from './endpoint.js';
import { parseIntegerAtLeast } from './integer.js';
import { parseNnodes } from './nnodes.js';

/** The launcher flags that may come from the environment, already validated. */
export interface LauncherFlags {
  /** `--nproc-per-node`: worker processes on this node, at least 1. */
  nprocPerNode: number;
  /** `--nnodes` in its text form, `N` or `MIN:MAX` (valid for parseNnodes). */
  nnodes: string;
  /** `--node-rank`: this node's index, at least 0. */
  nodeRank: number;
  /** `--rdzv-endpoint` in its text form, `HOST:PORT` or `[IPV6]:PORT` (valid for parseEndpoint). */
  rdzvEndpoint: string;
  /** `--max-restarts`: how often each failed worker may be restarted, at least 0. */
  maxRestarts: number;
}

/**
 * Reads PET_NPROC_PER_NODE, PET_NNODES, PET_NODE_RANK, PET_RDZV_ENDPOINT and PET_MAX_RESTARTS from `env`.
 * Unset variables are absent from the result; a set one (even to the empty string, as torchrun) must be
 * valid, or an InvalidArgumentError names it. Command-line flags should override what this returns.
 */
export function launcherFlagsFromEnv(env: NodeJS.ProcessEnv): Partial<LauncherFlags> {
  const flags: Partial<LauncherFlags> = {};
  const { PET_NPROC_PER_NODE, PET_NNODES, PET_NODE_RANK, PET_RDZV_ENDPOINT, PET_MAX_RESTARTS } = env;
  if (PET_NPROC_PER_NODE !== undefined) flags.nprocPerNode = parseIntegerAtLeast(PET_NPROC_PER_NODE, 'PET_NPROC_PER_NODE', 1);
  if (PET_NNODES !== undefined) {
    parseNnodes(PET_NNODES, 'PET_NNODES');
    flags.nnodes = PET_NNODES;
  }
  if (PET_NODE_RANK !== undefined) flags.nodeRank = parseIntegerAtLeast(PET_NODE_RANK, 'PET_NODE_RANK', 0);
  if (PET_RDZV_ENDPOINT !== undefined) {
    parseEndpoint(PET_RDZV_ENDPOINT, 'PET_RDZV_ENDPOINT');
    flags.rdzvEndpoint = PET_RDZV_ENDPOINT;
  }
  if (PET_MAX_RESTARTS !== undefined) flags.maxRestarts = parseIntegerAtLeast(PET_MAX_RESTARTS, 'PET_MAX_RESTARTS', 0);
  return flags;
}
