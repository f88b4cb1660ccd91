// One worker process from start to exit: data-plane port, backend, rendezvous, the ring, training, and the
// reports that tell the coordinator how it went. Returns the process exit code; never throws.

import { availableParallelism, hostname } from 'node:os';
import { AbortedError, ErrorCodes, isBrokenRingCode, isRingtrainError, RingtrainError, RunError, type ErrorContext } from '@ringtrain/common';
import { configHash, resolveConfig, type RunConfig } from '@ringtrain/config';
import { ownCpuList } from '@ringtrain/launcher';
import { loadDataset, type Dataset } from '@ringtrain/data';
import { selectBackend, selectBlas, type BackendName, type BlasName } from '@ringtrain/models';
import { PROTOCOL_VERSION, type Message, type ReformMessage, type RingMember } from '@ringtrain/protocol';
import { chooseLocalSockets, chooseSharedMemory, DataPlane, type TlsMaterial, type WebSocketTransport } from '@ringtrain/transport-ws';
import { WorkerCommThread } from './comm-thread/worker-comm-thread.js';
import { readCheckpoint } from './checkpoint/read.js';
import { changedRunOptions } from './checkpointing.js';
import { resolveResumePath } from './checkpoint/files.js';
import { ControlClient, refusal, type Hello } from './control-client.js';
import { rateLimitedLog } from './rate-limited-log.js';
import { planStepBuckets, train, type TrainerHooks } from './trainer.js';
import { TrainingSession } from './training-session.js';

/**
 * Whether a process that runs on the CPUs `own` (ownCpuList) runs on the ones `launch --bind-to core` gave it
 * (`binding`, their list): only if it runs on exactly those, so a variable inherited or set by hand on an unbound
 * worker changes nothing.
 */
export function boundTo(binding: string | undefined, own: string | undefined): boolean {
  return binding !== undefined && binding === own;
}

export interface WorkerOptions {
  /** The coordinator (--rdzv-endpoint, or MASTER_ADDR:MASTER_PORT). */
  coordinator: { host: string; port: number };
  /** --token / RINGTRAIN_TOKEN, for both planes. */
  token: string | undefined;
  /** Node index (GROUP_RANK / --node-rank), process index on the node (LOCAL_RANK) and processes on the node. */
  nodeRank: number;
  localRank: number;
  localWorldSize: number;
  /**
   * The CPUs `launch --bind-to core` started this worker on (its RINGTRAIN_CPU_BINDING). When the worker runs on
   * exactly those (boundTo), its BLAS takes all of them (its block: available CPUs / local workers, as an unbound
   * worker's share is). Default: not bound.
   */
  cpuBinding?: string | undefined;
  /** The run config this worker was started with (by `launch`); undefined: use the coordinator's. */
  config?: RunConfig;
  /** --backend of a worker started without a config; otherwise the config's. Default auto. */
  backend?: BackendName;
  /** --blas of a worker started without a config; otherwise the config's. Default auto. */
  blas?: BlasName;
  /** Address the data plane listens on. Default 127.0.0.1: set it to a reachable one on multi-node runs. */
  dataPlaneHost?: string;
  /** Address the peers connect to, when it differs from dataPlaneHost (0.0.0.0 listens everywhere). */
  advertiseHost?: string;
  /** Unix socket links (false: --no-unix-sockets) of a worker started without a config; otherwise the config's. Default true. */
  unixSockets?: boolean;
  /** Shared-memory slots on Unix socket links (false: --no-shared-memory) of a worker started without a config; otherwise the config's. Default true. */
  sharedMemory?: boolean;
  /** How long to retry reaching the coordinator, in ms. Default 60 s. */
  connectTimeoutMs?: number;
  /** How long to wait for the other workers (the welcome) once connected, in ms. Default 300 s. */
  rendezvousTimeoutMs?: number;
  /** A coordinator silent this long (it answers every heartbeat) counts as hung; the worker stops, in ms. Default 30 s. */
  heartbeatTimeoutMs?: number;
  /** TLS on both planes (PEM contents): serve the data plane with cert and key, verify peers and the coordinator against ca. */
  tls?: TlsMaterial | undefined;
  /**
   * With --comm-thread, a module the communication thread must import before anything else so that Node can load
   * these TypeScript sources (the CLI's bin/register-hooks.mjs); undefined when it needs none.
   */
  threadModuleHooks?: string | undefined;
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

/** The ring this process is in: the welcome's, then each reform's. */
interface Membership {
  generation: number;
  rank: number;
  worldSize: number;
  ring: RingMember[];
}

/** The peer this rank receives from: the ring needs only the left neighbour's data (all-reduce and broadcast). */
function leftNeighbour(m: Membership): RingMember[] {
  if (m.worldSize === 1) return [];
  return [m.ring[(m.ring.findIndex((member) => member.rank === m.rank) - 1 + m.worldSize) % m.worldSize]!];
}

/**
 * Says what carries the link from `peer` once it is open (as NCCL's "via SHM" / "via NET" lines do): a Unix socket
 * when the peer is on this machine, TCP otherwise; and, with the first payload that arrives through shared memory,
 * that payloads do. A link that does not open fails the first collective instead.
 */
function logLinkRoute(transport: WebSocketTransport, peer: number, log: (line: string) => void): void {
  transport.linkRoute(peer, { timeoutMs: 60_000 }).then(
    (route) => log(`receiving from rank ${peer} over ${route === 'tcp' ? 'TCP' : 'a Unix socket'}`),
    () => undefined,
  );
  transport.sharedMemoryFrom(peer).then(
    () => log(`receiving payloads from rank ${peer} through shared memory`),
    () => undefined,
  );
}

export async function runWorker(opts: WorkerOptions): Promise<number> {
  const stop = new AbortController();
  opts.signal?.addEventListener('abort', () => stop.abort(opts.signal!.reason), { once: true });
  // What the coordinator said last, and a wake-up for whoever waits on it.
  let shutdownExit: number | undefined;
  let pendingReform: ReformMessage | undefined;
  const changed = new EventTarget();
  const notify = (): void => void changed.dispatchEvent(new Event('change'));
  stop.signal.addEventListener('abort', notify, { once: true });
  /** Resolves true once ready() holds (checked on every message that matters), false after timeoutMs. */
  const waitFor = (ready: () => boolean, timeoutMs: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (ready()) return resolve(true);
      const finish = (value: boolean): void => {
        clearTimeout(timer);
        changed.removeEventListener('change', onChange);
        resolve(value);
      };
      const onChange = (): void => void (ready() && finish(true));
      const timer = setTimeout(() => finish(false), timeoutMs);
      changed.addEventListener('change', onChange);
    });

  let plane: DataPlane | undefined;
  let client: ControlClient | undefined;
  let transport: WebSocketTransport | undefined;
  let comm: WorkerCommThread | undefined;
  let session: TrainingSession | undefined;
  let membership: Membership | undefined;
  /** Cancels the current generation's collectives when the ring re-forms. */
  let generationStop = new AbortController();
  let step: number | undefined;
  try {
    // Known before the hello, so a node that cannot even start fails alone, not after the others waited for it.
    const local = opts.config;
    const backend = await selectBackend(local?.backend ?? opts.backend ?? 'auto');
    // One BLAS thread share per worker on this node, however the worker was started (see BlasOptions.threads).
    const cpus = ownCpuList();
    const blas = selectBlas(local?.blas ?? opts.blas ?? 'auto', backend.name, { threads: Math.max(1, Math.floor(availableParallelism() / (boundTo(opts.cpuBinding, cpus) ? 1 : opts.localWorldSize))) });
    const earlyDataset = local ? await loadDataset(local.dataset, { seed: local.seed }) : undefined;
    const logRefusal = rateLimitedLog(opts.log);
    // Decided once per process (the communication thread's plane takes the same choice).
    const localSockets = chooseLocalSockets(local?.unixSockets ?? opts.unixSockets ?? true);
    if (localSockets.notice !== undefined) opts.log(localSockets.notice);
    const sharedMemory = chooseSharedMemory(local?.sharedMemory ?? opts.sharedMemory ?? true, localSockets.use);
    if (sharedMemory.notice !== undefined) opts.log(sharedMemory.notice);
    const planeOptions = {
      token: opts.token,
      host: opts.dataPlaneHost ?? '127.0.0.1',
      advertiseHost: opts.advertiseHost,
      localSockets: localSockets.use,
      sharedMemory: sharedMemory.use,
      connectTimeoutMs: 30_000,
      tls: opts.tls,
    };
    plane = await DataPlane.listen({ ...planeOptions, onError: (err) => logRefusal(`data plane: ${err.message}`), onNotice: opts.log });
    comm = new WorkerCommThread({
      plane: planeOptions,
      moduleHooks: opts.threadModuleHooks,
      onError: (err) => logRefusal(`data plane (communication thread): ${err.message}`),
      log: opts.log,
    });
    const advertised = { host: opts.advertiseHost ?? plane.address.host, port: plane.address.port };

    const hello: Hello = {
      host: hostname().slice(0, 253).replace(/[^A-Za-z0-9._:%-]/g, '-') || 'localhost',
      nodeRank: opts.nodeRank,
      localRank: opts.localRank,
      localWorldSize: opts.localWorldSize,
      dataPlane: advertised,
      pid: process.pid,
      backend: backend.name,
      ...(local ? { configHash: configHash(local) } : {}),
    };
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
          } else if (message.type === 'error') {
            stop.abort(refusal(message));
          } else if (message.type === 'commit') {
            if (message.generation === membership?.generation) session?.committed(message.step + 1);
          } else if (message.type === 'reform') {
            pendingReform = message;
            generationStop.abort(new AbortedError(`the ring re-forms: ${message.reason}`));
          }
          notify();
        },
        onLost: (err) => stop.abort(err),
      },
      hello,
    );
    const welcome = client.welcome;
    membership = { generation: welcome.generation, rank: welcome.rank, worldSize: welcome.worldSize, ring: welcome.ring };
    // The coordinator's config: every value is checked again here, as for a config file.
    const config = local ?? resolveConfig({ flags: welcome.config as Partial<RunConfig> });
    const dataset: Dataset = earlyDataset ?? (await loadDataset(config.dataset, { seed: config.seed }));
    session = new TrainingSession(config, dataset, { snapshots: welcome.elastic });
    // Only rank 0 of the run's first generation reads the checkpoint; everyone else gets the state by broadcast.
    const resume = welcome.rank === 0 && welcome.generation === 0 && config.resume !== undefined ? await loadResume(config.resume) : undefined;
    const changed = resume === undefined ? [] : changedRunOptions(resume.checkpoint.config, config);
    if (changed.length > 0) opts.log(`resuming ${resume!.file} with run options its run did not have, from its step on: ${changed.join(', ')}`);
    const reportTo = client;
    const hooks: TrainerHooks = {
      onStep: (r) => {
        step = r.step;
        const { rank, generation } = membership!;
        if (!Number.isFinite(r.loss)) throw nonFinite('training loss', r.loss, rank, r.step);
        if (!Number.isFinite(r.gradNorm)) throw nonFinite('gradient norm', r.gradNorm, rank, r.step);
        reportTo.report(rank, generation, {
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
        // A checkpoint's steps must be on record before it is announced (a run stopped after it resumes from it and
        // does not redo them): every rank sends what waits at a step that ends with one, rank 0 before writing it.
        if (r.checkpointDue) reportTo.sendReports();
      },
      onEvaluation: (e) => {
        if (!Number.isFinite(e.testLoss)) throw nonFinite('test loss', e.testLoss, membership!.rank, e.step);
        reportTo.send({ type: 'evaluation', v: PROTOCOL_VERSION, rank: membership!.rank, result: { step: e.step, epoch: e.epoch, testLoss: e.testLoss, testAccuracy: e.testAccuracy, count: e.count } });
      },
      onModelSaved: (dir) => opts.log(`trained model saved to ${dir} (tfjs layers-model format: model.json, weights.bin)`),
      onCheckpoint: (path, at) => {
        opts.log(`checkpoint of step ${at} written to ${path}`);
        reportTo.send({ type: 'checkpoint', v: PROTOCOL_VERSION, step: at, path: path.slice(0, 4096) });
      },
    };

    // An elastic run's coordinator may wait for replacements as long as a rendezvous: wait for it a little longer.
    const reformWaitMs = welcome.elastic ? (opts.rendezvousTimeoutMs ?? 300_000) + SHUTDOWN_WAIT_MS : SHUTDOWN_WAIT_MS;
    // An elastic run survives a restart of its coordinator: training goes on meanwhile (commits pause, so at most
    // the snapshot store's capacity of steps), and the hello says which states this rank can roll back to.
    if (welcome.elastic) {
      const trainingSession = session;
      client.reconnectOnLoss({
        hello: () => ({ ...hello, rejoin: { generation: membership!.generation, rank: membership!.rank, ...trainingSession.rollbackRange() } }),
        timeoutMs: reformWaitMs,
        onNotice: opts.log,
      });
    }
    for (;;) {
      // A reform that came while this process was busy (loading, closing the last ring): the newest one counts.
      if (pendingReform !== undefined) {
        const reform = pendingReform;
        pendingReform = undefined;
        session.rollBack(reform.committedSteps);
        membership = { generation: reform.newGeneration, rank: reform.rank, worldSize: reform.worldSize, ring: reform.ring };
        opts.log(`the ring re-forms (${reform.reason}): continuing after ${reform.committedSteps ?? session.position.step} steps`);
      }
      const { rank, worldSize, generation } = membership;
      client.rank = rank;
      generationStop = new AbortController();
      const cancelGeneration = generationStop;
      const onStop = (): void => cancelGeneration.abort(stop.signal.reason);
      stop.signal.addEventListener('abort', onStop, { once: true });
      // Join the ring first: the neighbours may already be connecting.
      transport = plane.join({ rank, worldSize, generation });
      transport.setPeers(leftNeighbour(membership));
      const [left] = leftNeighbour(membership);
      if (left) logLinkRoute(transport, left.rank, opts.log);
      opts.log(`rank ${rank}/${worldSize}${generation > 0 ? ` in generation ${generation}` : ''} on ${backend.name} (${backend.reason}; BLAS: ${blas.reason}); data plane ${advertised.host}:${advertised.port}${cpus === undefined ? '' : `; CPUs ${cpus}`}`);
      try {
        const bucketReducer =
          config.commThread && worldSize > 1
            ? await comm.join(transport, leftNeighbour(membership)[0]!, generation, { synced: session.synced, maxInFlight: planStepBuckets(session.replica, config).length }, { timeoutMs: config.commTimeoutMs, signal: generationStop.signal })
            : undefined;
        const totals = await train({
          config,
          transport,
          dataset,
          session,
          plannedWorldSize: welcome.plannedWorldSize,
          signal: generationStop.signal,
          bucketReducer,
          hooks,
          ...(resume && generation === welcome.generation ? { resume } : {}),
        });
        await client.flush({
          type: 'done',
          v: PROTOCOL_VERSION,
          rank,
          generation,
          steps: totals.steps,
          paramHash: totals.paramHash,
          computeMs: totals.computeMs,
          commMs: totals.commMs,
          trainMs: totals.trainMs,
        });
        // The run ends with the coordinator's shutdown, unless the ring re-forms first (a member was lost just now).
        const answered = await waitFor(() => shutdownExit !== undefined || pendingReform !== undefined || stop.signal.aborted, reformWaitMs);
        if (!answered) {
          opts.log(`error: no shutdown from the coordinator within ${reformWaitMs / 1000} s after finishing; exiting`);
          return 1;
        }
        if (pendingReform === undefined) {
          if (shutdownExit !== undefined) return shutdownExit;
          // Stopped while it waited (a signal, or the coordinator lost: hung or gone): the catch below says which.
          throw stop.signal.reason;
        }
      } catch (caught) {
        if (stop.signal.aborted) throw caught;
        // Cancelled by a reform, or broken under us (elastic runs: a peer died or hangs; the coordinator finds
        // out which and re-forms the ring without it). Anything else ends this worker.
        const broken = pendingReform === undefined && welcome.elastic && isRingtrainError(caught) && isBrokenRingCode(caught.code);
        if (pendingReform === undefined && !broken) throw caught;
        if (broken) {
          const err = caught as RingtrainError;
          const ctx: ErrorContext = { ...err.context, rank, generation, ...(step !== undefined ? { step: step + 1 } : {}) };
          await client.flush({ type: 'error', v: PROTOCOL_VERSION, code: err.code, message: err.detail.slice(0, 4096), context: pickContext(ctx) });
          opts.log(`the ring of generation ${generation} broke (${err.detail}); waiting for the coordinator to re-form it`);
          await waitFor(() => pendingReform !== undefined || stop.signal.aborted, reformWaitMs);
          if (pendingReform === undefined) throw stop.signal.aborted ? stop.signal.reason : caught;
        }
      } finally {
        stop.signal.removeEventListener('abort', onStop);
        // The thread first: until it has left, its ring may still write into the gradient vector.
        await comm?.leave();
        await transport.close().catch(() => undefined);
        transport = undefined;
      }
      // Here only with a pending reform: every other way out of the generation returned or threw.
    }
  } catch (caught) {
    const reason: unknown = stop.signal.aborted && stop.signal.reason !== undefined ? stop.signal.reason : caught;
    const err = isRingtrainError(reason) ? reason : new RingtrainError(ErrorCodes.WORKER_FAILED, String((reason as Error)?.message ?? reason));
    const ctx: ErrorContext = { ...(membership ? { rank: membership.rank, generation: membership.generation } : {}), ...err.context };
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
    await comm?.close();
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
