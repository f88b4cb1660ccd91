// `ringtrain coordinator`: the coordinator alone, for multi-node runs where workers are started elsewhere
// (`ringtrain worker` on each machine, or a launcher with --node-rank > 0).

import { Command, Option } from 'commander';
import { InvalidArgumentError } from '@ringtrain/common';
import { startCoordinator } from '../coordinator-process.js';
import { membershipFlags } from '../membership-flags.js';
import { integerOption } from '../number-option.js';
import { action } from '../run-command.js';
import { addTrainOptions, trainConfig } from '../train-options.js';
import { requireTokenOffLoopback } from '../loopback.js';
import { DEFAULT_HEARTBEAT_TIMEOUT_S, MIN_HEARTBEAT_TIMEOUT_S, DEFAULT_RENDEZVOUS_TIMEOUT_S } from '../timeouts.js';

export function coordinatorCommand(): Command {
  const cmd = new Command('coordinator')
    .description('run the coordinator: rendezvous, ring order, commits, metrics.jsonl and summary.json')
    .addOption(new Option('--port <P>', 'port to listen on (env MASTER_PORT; 0 picks a free one)').argParser(integerOption('--port', 0)).env('MASTER_PORT'))
    .addOption(new Option('--host <ADDR>', 'address to listen on (0.0.0.0 for every interface)').default('127.0.0.1'))
    .addOption(new Option('--world-size <N>', 'number of workers of the run (env WORLD_SIZE)').argParser(integerOption('--world-size', 1)).env('WORLD_SIZE'))
    .addOption(new Option('--rendezvous-timeout <S>', 'seconds to wait for every worker').argParser(integerOption('--rendezvous-timeout', 1)).default(DEFAULT_RENDEZVOUS_TIMEOUT_S))
    .addOption(new Option('--heartbeat-timeout <S>', 'seconds of silence after which a worker counts as dead').argParser(integerOption('--heartbeat-timeout', MIN_HEARTBEAT_TIMEOUT_S)).default(DEFAULT_HEARTBEAT_TIMEOUT_S))
    .addOption(new Option('--min-workers <N>', 'fewest workers the run goes on with when some are lost (default: --world-size)').argParser(integerOption('--min-workers', 1)))
    .addOption(new Option('--max-workers <N>', 'most workers the run takes in as they join (default: --world-size)').argParser(integerOption('--max-workers', 1)))
    .addOption(new Option('--replacement-timeout <S>', 'with fewer than --min-workers left, seconds to wait for workers to join before the run fails').argParser(integerOption('--replacement-timeout', 0)).default(0));
  addTrainOptions(cmd);
  return cmd.action(
    action(async () => {
      const o = cmd.opts<{
        port?: number;
        host: string;
        worldSize?: number;
        rendezvousTimeout: number;
        heartbeatTimeout: number;
        minWorkers?: number;
        maxWorkers?: number;
        replacementTimeout: number;
      }>();
      if (o.port === undefined) throw new InvalidArgumentError('--port is required (or set MASTER_PORT)', { subject: '--port' });
      if (o.worldSize === undefined) throw new InvalidArgumentError('--world-size is required (or set WORLD_SIZE)', { subject: '--world-size' });
      const config = await trainConfig(cmd);
      requireTokenOffLoopback(o.host, '--host', config.token);
      const running = await startCoordinator({
        config,
        ...membershipFlags(o.worldSize, o.worldSize, o.minWorkers, o.maxWorkers),
        replacementTimeoutMs: o.replacementTimeout * 1000,
        pickUpRun: true,
        host: o.host,
        port: o.port,
        rendezvousTimeoutMs: o.rendezvousTimeout * 1000,
        heartbeatTimeoutMs: o.heartbeatTimeout * 1000,
      });
      process.exitCode = (await running.outcome).result.exitCode;
    }),
  );
}
