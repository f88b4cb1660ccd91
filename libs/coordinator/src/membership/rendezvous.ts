// Rendezvous: collect one hello per worker until worldSize have arrived, then assign ranks by
// (nodeRank, localRank), as torchrun does, and welcome everyone with the ring. A worker configured
// differently or claiming a taken place fails the run at once: left alone it would keep the run waiting
// until the rendezvous timeout with no hint why.

import { ErrorCodes } from '@ringtrain/common';
import type { HelloMessage, RingMember } from '@ringtrain/protocol';
import { log, send } from './commands.js';
import { describeWorker, hashPrefix } from './describe.js';
import { failRun } from './finish.js';
import { onJoin } from './joining.js';
import { onRecoveryHello } from './recovery.js';
import { isElastic } from './options.js';
import { welcomeMessage } from './outgoing.js';
import { rejectConnection } from './reject.js';
import { after, removeWorker, type CoordinatorState, type Transition, type WorkerState } from './state.js';

/** Orders workers by node, then by their index on the node: the global rank order. */
function byPlace(a: WorkerState, b: WorkerState): number {
  return a.hello.nodeRank - b.hello.nodeRank || a.hello.localRank - b.hello.localRank;
}

/** Everyone is here: ranks, ring (in rank order) and a welcome per member. */
/** A run refused for how it was started (configs that differ, a rank claimed twice) exits like other bad input. */
const BAD_INPUT_EXIT = 2;

/**
 * Every worker is here: ranks, ring, welcome. The liveness clock of each starts now: workers send heartbeats only
 * after their welcome, so one that waited long in rendezvous must not count as silent for that wait.
 */
function startTraining(state: CoordinatorState, nowMs: number): Transition {
  const workers = [...state.workers].sort(byPlace).map((worker) => ({ ...worker, lastSeenMs: nowMs }));
  const ring: RingMember[] = workers.map((worker, rank) => ({ rank, host: worker.hello.dataPlane.host, port: worker.hello.dataPlane.port }));
  const placement = workers.map((worker, rank) => `rank ${rank} = ${describeWorker(worker.hello)}`).join('; ');
  return {
    state: { ...state, phase: 'training', workers },
    commands: [
      log('info', `all ${workers.length} workers arrived, generation ${state.generation}: ${placement}`),
      ...workers.map((worker, rank) => send(worker.conn, welcomeMessage(rank, state.generation, ring, state.options))),
    ],
  };
}

/**
 * Why `hello` cannot be taken (its config differs, its place is taken), as the rejection of `conn`; in rendezvous
 * the run fails too, since it would wait for the missing worker until the timeout. null when it can be taken.
 */
function refuseHello(state: CoordinatorState, conn: number, hello: HelloMessage, nowMs: number): Transition | null {
  const { configHash } = state.options;
  let refusal: { code: string; detail: string } | null = null;
  const holder = [...state.workers, ...state.joiners].find((worker) => worker.connected && worker.hello.nodeRank === hello.nodeRank && worker.hello.localRank === hello.localRank);
  if (hello.configHash !== undefined && hello.configHash !== configHash) {
    const detail =
      `the worker's run config differs from the coordinator's (config hash ${hashPrefix(hello.configHash)} here, ` +
      `${hashPrefix(configHash)} on the coordinator): start every worker with the coordinator's config or with none`;
    refusal = { code: ErrorCodes.CONFIG_MISMATCH, detail };
  } else if (holder !== undefined) {
    const detail =
      `node rank ${hello.nodeRank}, local rank ${hello.localRank} is already taken by ${holder.hello.host} (pid ${holder.hello.pid}): ` +
      'give every node its own --node-rank and every process on a node its own LOCAL_RANK';
    refusal = { code: ErrorCodes.DUPLICATE_RANK, detail };
  }
  if (refusal === null) return null;
  const rejected = rejectConnection(state, conn, refusal.code, refusal.detail, nowMs);
  if (state.phase !== 'rendezvous') return rejected;
  return after(rejected.commands, failRun(rejected.state, { code: refusal.code, message: `worker ${describeWorker(hello)}: ${refusal.detail}`, exitCode: BAD_INPUT_EXIT }, nowMs));
}

/** A hello on `conn`, which has not said hello before. */
export function onHello(state: CoordinatorState, conn: number, hello: HelloMessage, nowMs: number): Transition {
  const { worldSize } = state.options;
  if (state.phase !== 'rendezvous' && !isElastic(state.options)) {
    return rejectConnection(state, conn, ErrorCodes.PROTOCOL, `the run is full (world size ${worldSize})`, nowMs);
  }
  const refused = refuseHello(state, conn, hello, nowMs);
  if (refused !== null) return refused;
  if (state.phase === 'recovering') return onRecoveryHello(state, conn, hello, nowMs);
  const worker: WorkerState = { conn, hello, lastSeenMs: nowMs, connected: true, lastReportedStep: null, done: null };
  if (state.phase !== 'rendezvous') return onJoin(state, worker, nowMs);
  const joined = { ...state, workers: [...state.workers, worker] };
  const arrived = log('info', `worker ${describeWorker(hello)} joined (${joined.workers.length} of ${worldSize})`);
  return joined.workers.length === worldSize ? after([arrived], startTraining(joined, nowMs)) : { state: joined, commands: [arrived] };
}

/** Fails the run when the rendezvous deadline passed with workers still missing. */
export function checkRendezvousDeadline(state: CoordinatorState, nowMs: number): Transition {
  const { startedAtMs, rendezvousTimeoutMs, worldSize } = state.options;
  if (nowMs - startedAtMs <= rendezvousTimeoutMs) return { state, commands: [] };
  const arrivedList = state.workers.length === 0 ? '' : `: ${state.workers.map((worker) => describeWorker(worker.hello)).join(', ')}`;
  const message =
    `rendezvous timed out after ${rendezvousTimeoutMs} ms: ${state.workers.length} of ${worldSize} workers arrived${arrivedList}`;
  return failRun(state, { code: ErrorCodes.TIMEOUT, message }, nowMs);
}

/** A worker in rendezvous closed its connection: it no longer counts. */
export function leaveRendezvous(state: CoordinatorState, index: number, why: string): Transition {
  const worker = state.workers[index]!;
  const left = removeWorker(state, index);
  const remain = `${left.workers.length} of ${state.options.worldSize} workers remain`;
  return { state: left, commands: [log('warn', `worker ${describeWorker(worker.hello)} left before the run started (${why}); ${remain}`)] };
}
