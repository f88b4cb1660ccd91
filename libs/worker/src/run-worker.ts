// One worker process from start to exit: data-plane port, backend, rendezvous, the ring, training, and the
// reports that tell the coordinator how it went. Returns the process exit code; never throws.

import { hostname } from 'node:os';
import { ErrorCodes, isRingtrainError, RingtrainError, RunError, type ErrorContext } from '@ringtrain/common';
import { configHash, resolveConfig, type RunConfig } from '@ringtrain/config';
import { loadDataset, type Dataset } from '@ringtrain/data';
import { selectBackend, type BackendName } from '@ringtrain/models';
import { PROTOCOL_VERSION, type Message } from '@ringtrain/protocol';
import { DataPlane, type TlsMaterial, type WebSocketTransport } from '@ringtrain/transport-ws';
import { readCheckpoint } from './checkpoint/read.js';
import { resolveResumePath } from './checkpoint/files.js';
import { ControlClient, refusal } from './control-client.js';
import { rateLimitedLog } from './rate-limited-log.js';
import { train, type TrainerOptions } from './trainer.js';

export interface WorkerOptions {
  /** The coordinator (--rdzv-endpoint, or MASTER_ADDR:MASTER_PORT). */
  coordinator: { host: string; port: number };
  /** --token / RINGTRAIN_TOKEN, for both planes. */
  token: string | undefined;
  /** Node index (GROUP_RANK / --node-rank), process index on the node (LOCAL_RANK) and processes on the node. */
  nodeRank: number;
  localRank: number;
  localWorldSize: number;
  /** The run config this worker was started with (by `launch`); undefined: use the coordinator's. */
  config?: RunConfig;
  /** --backend of a worker started without a config; otherwise the config's. Default auto. */
  backend?: BackendName;
  /** Address the data plane listens on. Default 127.0.0.1: set it to a reachable one on multi-node runs. */
  dataPlaneHost?: string;
  /** Address the peers connect to, when it differs from dataPlaneHost (0.0.0.0 listens everywhere). */
  advertiseHost?: string;
  /** How long to retry reaching the coordinator, in ms. Default 60 s. */
  connectTimeoutMs?: number;
  /** How long to wait for the other workers (the welcome) once connected, in ms. Default 300 s. */
  rendezvousTimeoutMs?: number;
  /** A coordinator silent this long (it answers every heartbeat) counts as hung; the worker stops, in ms. Default 30 s. */
  heartbeatTimeoutMs?: number;
  /** TLS on both planes (PEM contents): serve the data plane with cert and key, verify peers and the coordinator against ca. */
  tls?: TlsMaterial | undefined;
  /** Where progress lines go. */
  log: (line: string) => void;
  /** Stops the worker (SIGINT/SIGTERM); abort it with an AbortedError naming the signal. */
  signal?: AbortSignal;
}

/** Codes of bad input: the options, config, dataset or checkpoint a person gave, or the place claimed in the run. */
const INPUT_ERRORS: readonly string[] = [ErrorCodes.INVALID_ARGUMENT, ErrorCodes.CHECKPOINT, ErrorCodes.CONFIG_MISMATCH, ErrorCodes.DUPLICATE_RANK];

/** Exit codes: 0 done, 1 the run failed, 2 bad input. */
function exitCodeOf(err: unknown): number {
  return isRingtrainError(err) && INPUT_ERRORS.includes(err.code) ? 2 : 1;
}

/** How long a worker that sent `done` waits for the coordinator's shutdown before it exits on its own. */
const SHUTDOWN_WAIT_MS = 60_000;

function nonFinite(what: string, value: number, rank: number, step: number): RingtrainError {
  return new RingtrainError(ErrorCodes.NONFINITE, `the ${what} is ${value} at step ${step}: the run diverged (lower --lr or set --clip-norm)`, { rank, step });
}

export async function runWorker(opts: WorkerOptions): Promise<number> {
  const stop = new AbortController();
  opts.signal?.addEventListener('abort', () => stop.abort(opts.signal!.reason), { once: true });
  /** The exit code of the coordinator's shutdown, once one arrived. */
  let shutdownExit: number | undefined;
  let plane: DataPlane | undefined;
  let client: ControlClient | undefined;
  let transport: WebSocketTransport | undefined;
  let rank: number | undefined;
  let shutdownCode: ((code: number) => void) | undefined;
  const shutdown = new Promise<number>((resolve) => (shutdownCode = resolve));
  try {
    // Known before the hello, so a node that cannot even start fails alone, not after the others waited for it.
    const local = opts.config;
    const backend = await selectBackend(local?.backend ?? opts.backend ?? 'auto');
    const earlyDataset = local ? await loadDataset(local.dataset, { seed: local.seed }) : undefined;
    const logRefusal = rateLimitedLog(opts.log);
    plane = await DataPlane.listen({
      token: opts.token,
      host: opts.dataPlaneHost ?? '127.0.0.1',
      connectTimeoutMs: 30_000,
      tls: opts.tls,
      onError: (err) => logRefusal(`data plane: ${err.message}`),
    });
    const advertised = { host: opts.advertiseHost ?? plane.address.host, port: plane.address.port };

    opts.log(`connecting to the coordinator at ${opts.coordinator.host}:${opts.coordinator.port}`);
    client = await ControlClient.connect(
      {
        host: opts.coordinator.host,
        port: opts.coordinator.port,
        token: opts.token,
        connectTimeoutMs: opts.connectTimeoutMs,
        rendezvousTimeoutMs: opts.rendezvousTimeoutMs,
        coordinatorTimeoutMs: opts.heartbeatTimeoutMs,
        tls: opts.tls ? { ca: opts.tls.ca } : undefined,
        signal: stop.signal,
        onMessage: (message: Message) => {
          if (message.type === 'shutdown') {
            shutdownExit = message.exitCode;
            if (message.exitCode !== 0) stop.abort(new RunError(ErrorCodes.WORKER_FAILED, `the coordinator ended the run: ${message.reason}`));
            shutdownCode!(message.exitCode);
          } else if (message.type === 'error') {
            stop.abort(refusal(message));
          }
        },
        onLost: (err) => {
          stop.abort(err);
          shutdownCode!(1);
        },
      },
      {
        host: hostname().slice(0, 253).replace(/[^A-Za-z0-9._:%-]/g, '-') || 'localhost',
        nodeRank: opts.nodeRank,
        localRank: opts.localRank,
        localWorldSize: opts.localWorldSize,
        dataPlane: advertised,
        pid: process.pid,
        backend: backend.name,
        ...(local ? { configHash: configHash(local) } : {}),
      },
    );
    const welcome = client.welcome;
    rank = welcome.rank;
    // The coordinator's config: every value is checked again here, as for a config file.
    const config = local ?? resolveConfig({ flags: welcome.config as Partial<RunConfig> });
    // Join the ring first: the neighbours may already be connecting.
    transport = plane.join({ rank, worldSize: welcome.worldSize, generation: welcome.generation });
    // The ring needs only the left neighbour's data (all-reduce and broadcast both receive from rank - 1).
    const left = welcome.ring[(welcome.ring.findIndex((m) => m.rank === rank) - 1 + welcome.worldSize) % welcome.worldSize]!;
    transport.setPeers(welcome.worldSize > 1 ? [left] : []);
    opts.log(`rank ${rank}/${welcome.worldSize} on ${backend.name} (${backend.reason}); data plane ${advertised.host}:${advertised.port}`);
    const dataset: Dataset = earlyDataset ?? (await loadDataset(config.dataset, { seed: config.seed }));

    const resume = rank === 0 && config.resume !== undefined ? await loadResume(config.resume) : undefined;
    const trainerOptions: TrainerOptions = {
      config,
      transport,
      dataset,
      signal: stop.signal,
      ...(resume ? { resume } : {}),
      hooks: {
        onStep: (r) => {
          if (!Number.isFinite(r.loss)) throw nonFinite('training loss', r.loss, rank!, r.step);
          if (!Number.isFinite(r.gradNorm)) throw nonFinite('gradient norm', r.gradNorm, rank!, r.step);
          client!.send({
            type: 'report',
            v: PROTOCOL_VERSION,
            rank: rank!,
            generation: welcome.generation,
            step: r.step,
            epoch: r.epoch,
            loss: r.loss,
            lr: r.lr,
            gradNorm: r.gradNorm,
            samples: r.samples,
            totalSteps: r.totalSteps,
            timings: { computeMs: r.computeMs, commMs: r.commMs, stepMs: r.stepMs },
            ...(r.paramHash ? { paramHash: r.paramHash } : {}),
          });
        },
        onEvaluation: (e) => {
          if (!Number.isFinite(e.testLoss)) throw nonFinite('test loss', e.testLoss, rank!, e.step);
          client!.send({ type: 'evaluation', v: PROTOCOL_VERSION, rank: rank!, result: { step: e.step, epoch: e.epoch, testLoss: e.testLoss, testAccuracy: e.testAccuracy, count: e.count } });
        },
        onCheckpoint: (path, step) => {
          opts.log(`checkpoint of step ${step} written to ${path}`);
          client!.send({ type: 'checkpoint', v: PROTOCOL_VERSION, step, path: path.slice(0, 4096) });
        },
      },
    };
    const totals = await train(trainerOptions);
    await client.flush({
      type: 'done',
      v: PROTOCOL_VERSION,
      rank,
      generation: welcome.generation,
      steps: totals.steps,
      paramHash: totals.paramHash,
      computeMs: totals.computeMs,
      commMs: totals.commMs,
      trainMs: totals.trainMs,
    });
    let waited: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<number>((resolve) => {
      waited = setTimeout(() => {
        opts.log(`error: no shutdown from the coordinator within ${SHUTDOWN_WAIT_MS / 1000} s after finishing; exiting`);
        resolve(1);
      }, SHUTDOWN_WAIT_MS);
    });
    const stopped = new Promise<number>((resolve) => {
      if (stop.signal.aborted) resolve(1);
      else stop.signal.addEventListener('abort', () => resolve(1), { once: true });
    });
    const code = await Promise.race([shutdown, gaveUp, stopped]);
    clearTimeout(waited);
    return code;
  } catch (caught) {
    const reason: unknown = stop.signal.aborted && stop.signal.reason !== undefined ? stop.signal.reason : caught;
    const err = isRingtrainError(reason) ? reason : new RingtrainError(ErrorCodes.WORKER_FAILED, String((reason as Error)?.message ?? reason));
    const ctx: ErrorContext = { ...(rank !== undefined ? { rank } : {}), ...err.context };
    // After the coordinator's shutdown the run is over: its exit code stands, and there is nobody to tell.
    if (shutdownExit !== undefined) {
      opts.log(`stopped: ${err.detail}`);
      return shutdownExit;
    }
    await client?.flush({ type: 'error', v: PROTOCOL_VERSION, code: err.code, message: err.detail.slice(0, 4096), context: pickContext(ctx) });
    opts.log(`error: ${err.withContext(ctx).message}`);
    return exitCodeOf(err);
  } finally {
    client?.close();
    await transport?.close().catch(() => undefined);
    await plane?.close().catch(() => undefined);
  }
}

async function loadResume(pathOrDir: string): Promise<{ checkpoint: Awaited<ReturnType<typeof readCheckpoint>>; file: string }> {
  const file = await resolveResumePath(pathOrDir);
  return { checkpoint: await readCheckpoint(file), file };
}

/** The fields of an error context the error message can carry (bounded strings, no subject). */
function pickContext(ctx: ErrorContext): { rank?: number; peer?: number; generation?: number; step?: number; phase?: string } {
  const out: { rank?: number; peer?: number; generation?: number; step?: number; phase?: string } = {};
  if (ctx.rank !== undefined) out.rank = ctx.rank;
  if (ctx.peer !== undefined) out.peer = ctx.peer;
  if (ctx.generation !== undefined) out.generation = ctx.generation;
  if (ctx.step !== undefined) out.step = ctx.step;
  if (ctx.phase !== undefined) out.phase = ctx.phase.slice(0, 64);
  return out;
}
