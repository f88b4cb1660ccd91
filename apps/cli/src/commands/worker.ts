// `ringtrain worker`: one worker process. `launch` starts these with torchrun's environment (RANK, LOCAL_RANK,
// LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT) and the run config in RINGTRAIN_RUN_CONFIG; started by
// hand it takes the coordinator's config.

import { Command, Option } from 'commander';
import { AbortedError, InvalidArgumentError } from '@ringtrain/common';
import { BACKEND_NAMES, BLAS_NAMES, loadTlsFiles, resolveConfig, type RunConfig } from '@ringtrain/config';
import { parseEndpoint } from '@ringtrain/launcher';
import { runWorker } from '@ringtrain/worker';
import { integerOption } from '../number-option.js';
import { action } from '../run-command.js';
import { requireTokenOffLoopback } from '../loopback.js';
import { DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_HEARTBEAT_TIMEOUT_S, MIN_HEARTBEAT_TIMEOUT_S, DEFAULT_RENDEZVOUS_TIMEOUT_S, SIGNAL_EXIT } from '../timeouts.js';

/** Where `launch` puts the resolved run config for its workers (JSON, camelCase keys, without the token). */
export const RUN_CONFIG_ENV = 'RINGTRAIN_RUN_CONFIG';
/** Set by `launch --bind-to core` to the CPUs it started this worker on (its block of the launcher's CPUs). */
export const CPU_BINDING_ENV = 'RINGTRAIN_CPU_BINDING';

/** The node options a worker's own flags set, over the launcher's config. */
interface NodeFlags {
  backend?: string;
  blas?: string;
  token?: string;
}

function configFromEnv(text: string | undefined, { backend, blas, token }: NodeFlags): RunConfig | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`${RUN_CONFIG_ENV} is not valid JSON: ${(err as Error).message}`, { subject: RUN_CONFIG_ENV });
  }
  const overrides = {
    ...(backend ? { backend: backend as RunConfig['backend'] } : {}),
    ...(blas ? { blas: blas as RunConfig['blas'] } : {}),
    ...(token ? { token } : {}),
  };
  return resolveConfig({ flags: { ...(parsed as Partial<RunConfig>), ...overrides } });
}

export function workerCommand(): Command {
  const cmd = new Command('worker')
    .description('run one worker: connect to the coordinator, join the ring, train')
    .addOption(new Option('--rdzv-endpoint <HOST:PORT>', "the coordinator's address (default: MASTER_ADDR:MASTER_PORT)"))
    .addOption(new Option('--node-rank <R>', 'index of this node (env GROUP_RANK)').argParser(integerOption('--node-rank', 0)).env('GROUP_RANK').default(0))
    .addOption(new Option('--local-rank <L>', 'index of this worker on its node (env LOCAL_RANK)').argParser(integerOption('--local-rank', 0)).env('LOCAL_RANK').default(0))
    .addOption(new Option('--local-world-size <N>', 'workers on this node (env LOCAL_WORLD_SIZE)').argParser(integerOption('--local-world-size', 1)).env('LOCAL_WORLD_SIZE').default(1))
    .addOption(new Option('--data-plane-host <ADDR>', 'address the data plane listens on; use a reachable one on multi-node runs').default('127.0.0.1'))
    .addOption(new Option('--advertise-host <ADDR>', 'address peers connect to, if not --data-plane-host (e.g. with 0.0.0.0)'))
    .addOption(new Option('--backend <NAME>', 'compute backend').choices(BACKEND_NAMES))
    .addOption(new Option('--blas <NAME>', "where the wasm backend's matrix products run").choices(BLAS_NAMES))
    .addOption(new Option('--token <SECRET>', 'shared secret of the cluster').env('RINGTRAIN_TOKEN'))
    .addOption(new Option('--tls-cert <FILE>', "TLS on both planes: this node's certificate (PEM; needs --tls-key)"))
    .addOption(new Option('--tls-key <FILE>', "the certificate's private key (PEM)"))
    .addOption(new Option('--tls-ca <FILE>', "CA that the coordinator's and peers' certificates must chain to (PEM)"))
    .addOption(new Option('--no-unix-sockets', 'reach data-plane peers on this machine over TCP, not over Unix domain sockets (Linux)'))
    .addOption(new Option('--unix-sockets').hideHelp()) // the default; the flag before it was, still accepted
    .addOption(new Option('--no-shared-memory', 'carry payloads to peers on this machine over their Unix sockets, not through shared memory (Linux)'))
    .addOption(new Option('--connect-timeout <S>', 'seconds to keep retrying the coordinator').argParser(integerOption('--connect-timeout', 1)).default(DEFAULT_CONNECT_TIMEOUT_S))
    .addOption(new Option('--rendezvous-timeout <S>', 'seconds to wait for the other workers once connected').argParser(integerOption('--rendezvous-timeout', 1)).default(DEFAULT_RENDEZVOUS_TIMEOUT_S))
    .addOption(new Option('--heartbeat-timeout <S>', 'seconds of silence after which the coordinator counts as hung').argParser(integerOption('--heartbeat-timeout', MIN_HEARTBEAT_TIMEOUT_S)).default(DEFAULT_HEARTBEAT_TIMEOUT_S));
  return cmd.action(
    action(async () => {
      const o = cmd.opts<{
        rdzvEndpoint?: string;
        nodeRank: number;
        localRank: number;
        localWorldSize: number;
        dataPlaneHost: string;
        advertiseHost?: string;
        backend?: string;
        blas?: string;
        token?: string;
        connectTimeout: number;
        rendezvousTimeout: number;
        heartbeatTimeout: number;
        tlsCert?: string;
        tlsKey?: string;
        tlsCa?: string;
        unixSockets?: boolean;
        sharedMemory?: boolean;
      }>();
      const endpointText = o.rdzvEndpoint ?? (process.env.MASTER_ADDR && process.env.MASTER_PORT ? `${process.env.MASTER_ADDR}:${process.env.MASTER_PORT}` : undefined);
      if (endpointText === undefined) throw new InvalidArgumentError('--rdzv-endpoint HOST:PORT is required (or set MASTER_ADDR and MASTER_PORT)', { subject: '--rdzv-endpoint' });
      const coordinator = parseEndpoint(endpointText, o.rdzvEndpoint ? '--rdzv-endpoint' : 'MASTER_ADDR:MASTER_PORT');
      if (o.localRank >= o.localWorldSize) throw new InvalidArgumentError(`--local-rank ${o.localRank} must be below --local-world-size ${o.localWorldSize}`, { subject: '--local-rank' });
      requireTokenOffLoopback(o.dataPlaneHost, '--data-plane-host', o.token);
      const config = configFromEnv(process.env[RUN_CONFIG_ENV], o);
      // A worker started by launch has the run's TLS files in its config; one started by hand gets them as flags.
      const tls = await loadTlsFiles(config ?? resolveConfig({ flags: { tlsCert: o.tlsCert, tlsKey: o.tlsKey, tlsCa: o.tlsCa } }));
      // A terminal's Ctrl-C reaches the worker directly and again through the launcher: the first one stops it
      // cleanly, repeats are ignored (the launcher's grace period and SIGKILL bound the wait).
      const stop = new AbortController();
      let stoppedBy: 'SIGINT' | 'SIGTERM' | undefined;
      const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
        stoppedBy ??= signal;
        stop.abort(new AbortedError(`stopped by ${signal}`));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const code = await runWorker({
        coordinator,
        token: o.token,
        nodeRank: o.nodeRank,
        localRank: o.localRank,
        localWorldSize: o.localWorldSize,
        cpuBinding: process.env[CPU_BINDING_ENV],
        ...(config ? { config } : {}),
        ...(o.backend ? { backend: o.backend as RunConfig['backend'] } : {}),
        ...(o.blas ? { blas: o.blas as RunConfig['blas'] } : {}),
        dataPlaneHost: o.dataPlaneHost,
        unixSockets: o.unixSockets !== false,
        sharedMemory: o.sharedMemory !== false,
        tls,
        ...(o.advertiseHost ? { advertiseHost: o.advertiseHost } : {}),
        connectTimeoutMs: o.connectTimeout * 1000,
        rendezvousTimeoutMs: o.rendezvousTimeout * 1000,
        heartbeatTimeoutMs: o.heartbeatTimeout * 1000,
        threadModuleHooks: new URL('../../bin/register-hooks.mjs', import.meta.url).href,
        log: (line) => void process.stdout.write(`${line}\n`),
        signal: stop.signal,
      });
      // Exit now: a backend may keep handles open that would hold the process after the run.
      process.exit(stoppedBy ? SIGNAL_EXIT[stoppedBy] : code);
    }),
  );
}
