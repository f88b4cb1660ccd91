// `ringtrain launch`: torchrun for ringtrain. On node rank 0 it runs the coordinator; on every node it starts
// --nproc-per-node workers with torchrun's environment, prefixes their output with their rank, forwards
// SIGINT/SIGTERM and exits non-zero when the run fails.

import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { ErrorCodes, InvalidArgumentError } from '@ringtrain/common';
import { chooseCpuBinding, launcherFlagsFromEnv, launchWorkers, parseEndpoint, parseNnodes, workerEnvironment } from '@ringtrain/launcher';
import { startCoordinator, type RunningCoordinator } from '../coordinator-process.js';
import { integerOption } from '../number-option.js';
import { membershipFlags } from '../membership-flags.js';
import { action } from '../run-command.js';
import { DEFAULT_HEARTBEAT_TIMEOUT_S, MIN_HEARTBEAT_TIMEOUT_S, DEFAULT_RENDEZVOUS_TIMEOUT_S } from '../timeouts.js';
import { addTrainOptions, trainConfig } from '../train-options.js';
import { CPU_BINDING_ENV, RUN_CONFIG_ENV } from './worker.js';

interface LaunchFlags {
  nprocPerNode?: number;
  nnodes?: string;
  nodeRank?: number;
  rdzvEndpoint?: string;
  maxRestarts?: number;
  minWorkers?: number;
  maxWorkers?: number;
  dataPlaneHost?: string;
  rendezvousTimeout: number;
  heartbeatTimeout: number;
  bindTo: 'core' | 'none';
}

/** `env` saying which CPUs the worker was bound to, or, unbound, without the variable (one inherited would claim CPUs). */
function withCpuBinding(list: string | undefined, env: Record<string, string>): Record<string, string> {
  const { [CPU_BINDING_ENV]: _inherited, ...rest } = env;
  return list === undefined ? rest : { ...rest, [CPU_BINDING_ENV]: list };
}

export function launchCommand(): Command {
  const cmd = new Command('launch')
    .description('train on this machine (and others): the coordinator on node rank 0, --nproc-per-node workers per node')
    .addOption(new Option('--nproc-per-node <N>', 'worker processes on this node (env PET_NPROC_PER_NODE; default 1)').argParser(integerOption('--nproc-per-node', 1)))
    .addOption(new Option('--nnodes <N|MIN:MAX>', 'number of nodes; MIN:MAX starts with MIN and takes in nodes up to MAX as they come (env PET_NNODES; default 1)'))
    .addOption(new Option('--node-rank <R>', 'index of this node, 0 runs the coordinator (env PET_NODE_RANK; default 0)').argParser(integerOption('--node-rank', 0)))
    .addOption(new Option('--rdzv-endpoint <HOST:PORT>', "the coordinator's address (env PET_RDZV_ENDPOINT); required with --nnodes > 1"))
    .addOption(new Option('--max-restarts <K>', 'restarts per worker process after a failure; a restarted worker rejoins the run at the next generation (env PET_MAX_RESTARTS; default 0)').argParser(integerOption('--max-restarts', 0)))
    .addOption(new Option('--min-workers <N>', 'fewest workers the run goes on with when some are lost (default: all of them, so a lost worker ends the run unless it is restarted)').argParser(integerOption('--min-workers', 1)))
    .addOption(new Option('--max-workers <N>', 'most workers the run takes in as they join (default: the world size, MAX nodes x --nproc-per-node with --nnodes MIN:MAX)').argParser(integerOption('--max-workers', 1)))
    .addOption(new Option('--data-plane-host <ADDR>', "this node's address for the workers' data plane (default 127.0.0.1; required with --nnodes > 1)"))
    .addOption(new Option('--rendezvous-timeout <S>', 'seconds to wait for every worker').argParser(integerOption('--rendezvous-timeout', 1)).default(DEFAULT_RENDEZVOUS_TIMEOUT_S))
    .addOption(new Option('--heartbeat-timeout <S>', 'seconds of silence after which a worker (or, for the workers, the coordinator) counts as dead').argParser(integerOption('--heartbeat-timeout', MIN_HEARTBEAT_TIMEOUT_S)).default(DEFAULT_HEARTBEAT_TIMEOUT_S))
    .addOption(
      new Option('--bind-to <WHAT>', "core: each local worker runs on CPUs of its own (an equal block of whole cores of this process's CPUs, through taskset), as mpirun --bind-to core; none: where the scheduler puts it")
        .choices(['core', 'none'])
        .default('core'),
    );
  addTrainOptions(cmd);
  return cmd.action(
    action(async () => {
      // torchrun's PET_* variables, overridden by the flags.
      const typed = cmd.opts<LaunchFlags>();
      const env = launcherFlagsFromEnv(process.env);
      const nnodes = parseNnodes(typed.nnodes ?? env.nnodes ?? '1', typed.nnodes ? '--nnodes' : 'PET_NNODES');
      const nodes = nnodes.max;
      const nprocPerNode = typed.nprocPerNode ?? env.nprocPerNode ?? 1;
      const nodeRank = typed.nodeRank ?? env.nodeRank ?? 0;
      if (nodeRank >= nodes) throw new InvalidArgumentError(`--node-rank ${nodeRank} must be below --nnodes ${nodes}`, { subject: '--node-rank' });
      const endpointText = typed.rdzvEndpoint ?? env.rdzvEndpoint;
      if (nodes > 1 && endpointText === undefined) throw new InvalidArgumentError('--rdzv-endpoint HOST:PORT is required with --nnodes > 1', { subject: '--rdzv-endpoint' });
      const endpoint = endpointText === undefined ? { host: '127.0.0.1', port: 0 } : parseEndpoint(endpointText, '--rdzv-endpoint');
      if (nodes > 1 && typed.dataPlaneHost === undefined) {
        throw new InvalidArgumentError("--data-plane-host ADDR is required with --nnodes > 1: this node's address the other nodes' workers can reach", { subject: '--data-plane-host' });
      }
      const maxRestarts = typed.maxRestarts ?? env.maxRestarts ?? 0;
      // The run is planned for MIN nodes (LR schedule, global batch); nodes up to MAX join it as they come.
      const membership = membershipFlags(nnodes.min * nprocPerNode, nnodes.max * nprocPerNode, typed.minWorkers, typed.maxWorkers);
      const elastic = membership.minWorkers < membership.worldSize || membership.maxWorkers > membership.worldSize || maxRestarts > 0;
      const config = await trainConfig(cmd);
      if (nodes > 1 && config.token === undefined) {
        throw new InvalidArgumentError('multi-node runs need a shared secret: set --token or RINGTRAIN_TOKEN to the same value on every node', { subject: '--token' });
      }
      // A single-node run gets a fresh secret of its own: nothing else on the machine can join or inject data.
      const token = config.token ?? randomBytes(24).toString('base64url');

      let coordinator: RunningCoordinator | undefined;
      if (nodeRank === 0) {
        coordinator = await startCoordinator({
          config: { ...config, token },
          ...membership,
          // Restarted workers take a while to come back: wait for them as long as for the first rendezvous.
          replacementTimeoutMs: maxRestarts > 0 ? typed.rendezvousTimeout * 1000 : 0,
          host: nodes > 1 ? '0.0.0.0' : endpoint.host,
          port: endpoint.port,
          rendezvousTimeoutMs: typed.rendezvousTimeout * 1000,
          heartbeatTimeoutMs: typed.heartbeatTimeout * 1000,
        });
      }
      const master = { host: endpoint.host, port: coordinator?.address.port ?? endpoint.port };
      const { token: _secret, ...shared } = config;
      const entry = process.argv[1]!;
      const worker = [...process.execArgv, entry, 'worker', '--data-plane-host', typed.dataPlaneHost ?? '127.0.0.1', '--rendezvous-timeout', String(typed.rendezvousTimeout), '--heartbeat-timeout', String(typed.heartbeatTimeout)];
      const binding = typed.bindTo === 'core' ? chooseCpuBinding(nprocPerNode) : {};
      if (binding.notice !== undefined) process.stdout.write(`${binding.notice}\n`);
      const { taskset, lists } = binding;
      const group = launchWorkers({
        nprocPerNode,
        maxRestarts,
        keepGoing: elastic,
        command: taskset ?? process.execPath,
        args: (localRank) => (taskset === undefined || lists === undefined ? worker : ['-c', lists[localRank]!, process.execPath, ...worker]),
        env: (localRank) => withCpuBinding(lists?.[localRank], {
          ...workerEnvironment({
            nodeRank,
            nnodes: nodes,
            nprocPerNode,
            localRank,
            masterAddr: master.host,
            masterPort: master.port,
            gpu: config.backend === 'tensorflow-gpu',
            base: process.env,
          }),
          [RUN_CONFIG_ENV]: JSON.stringify(shared),
          RINGTRAIN_TOKEN: token,
        }),
      });
      // A run the coordinator ends as failed stops this node's workers that are still at it.
      // (An elastic run can end with a worker it removed still alive, hung or SIGSTOPped: the group stops it once
      // another worker exited 0, on every node; see keepGoing.)
      void coordinator?.outcome.then((o) => {
        if (!o.result.ok) group.stop();
      });
      const workers = await group.done;
      // Workers that died before saying hello leave the coordinator waiting for them: end the run with their cause.
      // (An elastic run survives failures; its last worker's exit says whether the run ended well.)
      const failed = workers.ok ? undefined : workers.failures[0];
      if (failed) coordinator?.fail(ErrorCodes.WORKER_FAILED, `rank ${failed.rank} exited with code ${failed.exitCode}${failed.startError ? ` (${failed.startError})` : ''}`, workers.exitCode);
      else if (!workers.ok) coordinator?.interrupt(workers.stoppedBy === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
      const outcome = await coordinator?.outcome;
      // The coordinator's verdict when it has one (workers it shut down exit too, in whatever order); else the workers'.
      // In an elastic run workers may fail and be survived: only the coordinator knows whether the run did.
      const code = outcome && (elastic || !outcome.result.ok) ? outcome.result.exitCode : !workers.ok ? workers.exitCode : (outcome?.result.exitCode ?? 0);
      process.exit(code);
    }),
  );
}
