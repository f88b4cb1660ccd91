// A restarted coordinator of an elastic run. While the run trains, the coordinator keeps a small record of it
// (PersistedRun: generation, how many members, the last commit, the totals for the summary); started again on the
// same --out it begins in phase 'recovering' from that record instead of a rendezvous. Its workers, which train
// on meanwhile and keep reconnecting, say hello again with where they stand (rejoin: their generation and rank,
// and the oldest and newest state they can roll back to). Once every member is back (or, at the rendezvous
// timeout, at least --min-workers), the ring re-forms at the newest state every member has reached.

import { ErrorCodes } from '@ringtrain/common';
import type { HelloMessage } from '@ringtrain/protocol';
import { log } from './commands.js';
import { describeWorker } from './describe.js';
import { failRun } from './finish.js';
import { onJoin } from './joining.js';
import { reformRing } from './membership-change.js';
import { membershipLimits, type CoordinatorOptions } from './options.js';
import { rejectConnection } from './reject.js';
import { after, initialState, type CommittedStep, type CoordinatorState, type ReportTotals, type Transition, type WorkerState } from './state.js';

/** What a coordinator keeps of a running elastic run, to pick it up after a restart. JSON data. */
export interface PersistedRun {
  readonly version: 1;
  readonly configHash: string;
  /** When the run started (the first coordinator's start): wall_seconds counts from it. */
  readonly startedAtMs: number;
  readonly generation: number;
  /** Members of that generation. */
  readonly members: number;
  readonly lastCommitted: CommittedStep | null;
  readonly totals: ReportTotals;
  readonly latestEvaluation: CoordinatorState['progress']['latestEvaluation'];
  readonly evaluations: number;
  readonly joins: number;
}

/** The record of `state` (a training run). */
export function persistedRun(state: CoordinatorState): PersistedRun {
  const { progress } = state;
  return {
    version: 1,
    configHash: state.options.configHash,
    startedAtMs: state.options.startedAtMs,
    generation: state.generation,
    members: state.workers.length,
    lastCommitted: progress.lastCommitted,
    totals: progress.totals,
    latestEvaluation: progress.latestEvaluation,
    evaluations: progress.evaluations,
    joins: state.joins,
  };
}

/** The state of a coordinator started again with `run`'s record: waiting for its members to come back. */
export function recoveringState(options: CoordinatorOptions, run: PersistedRun, nowMs: number): CoordinatorState {
  const fresh = initialState({ ...options, startedAtMs: run.startedAtMs });
  return {
    ...fresh,
    phase: 'recovering',
    generation: run.generation,
    joins: run.joins,
    recovery: { sinceMs: nowMs, members: run.members },
    progress: { ...fresh.progress, lastCommitted: run.lastCommitted, totals: run.totals, latestEvaluation: run.latestEvaluation, evaluations: run.evaluations },
  };
}

/** A hello while recovering: a member coming back (rejoin of this generation), or a worker that joins. */
export function onRecoveryHello(state: CoordinatorState, conn: number, hello: HelloMessage, nowMs: number): Transition {
  const worker: WorkerState = { conn, hello, lastSeenMs: nowMs, connected: true, lastReportedStep: null, done: null };
  if (hello.rejoin === undefined) return onJoin(state, worker, nowMs);
  if (hello.rejoin.generation !== state.generation || state.workers.some((member) => member.hello.rejoin?.rank === hello.rejoin!.rank)) {
    const detail = `rank ${hello.rejoin.rank} of generation ${hello.rejoin.generation} is not awaited (generation ${state.generation})`;
    return rejectConnection(state, conn, ErrorCodes.PROTOCOL, detail, nowMs);
  }
  const back = { ...state, workers: [...state.workers, worker] };
  const expected = state.recovery!.members;
  const noted = log('info', `rank ${hello.rejoin.rank} is back: ${describeWorker(hello)} (${back.workers.length} of ${expected})`);
  return back.workers.length === expected ? after([noted], resumeTraining(back, nowMs)) : { state: back, commands: [noted] };
}

/**
 * Every member is back (or the time is up and enough are): ranks in their old order, and the ring re-forms at the
 * newest state all of them reached. Every rank holds each state from its last commit to its newest, and a member
 * heard of no commit the others had not all reached, so that state is one every rank can roll back to.
 */
function resumeTraining(state: CoordinatorState, nowMs: number): Transition {
  const members = [...state.workers].sort((a, b) => a.hello.rejoin!.rank - b.hello.rejoin!.rank);
  const steps = Math.min(...members.map((member) => member.hello.rejoin!.toSteps));
  const { totals } = state.progress;
  const pick = (values: readonly number[]) => members.map((member) => values[member.hello.rejoin!.rank] ?? 0);
  const resumed: CoordinatorState = {
    ...state,
    phase: 'training',
    recovery: null,
    workers: members,
    progress: {
      ...state.progress,
      lastCommitted: steps === 0 ? null : { step: steps - 1, meanLoss: state.progress.lastCommitted?.meanLoss ?? Number.NaN },
      totals: { samples: totals.samples, computeMs: pick(totals.computeMs), commMs: pick(totals.commMs) },
    },
  };
  return reformRing(resumed, nowMs, `the coordinator restarted; ${members.length} workers came back`);
}

/** At the rendezvous timeout: go on with the members that came back if they are enough, else fail. */
export function checkRecoveryDeadline(state: CoordinatorState, nowMs: number): Transition {
  const { rendezvousTimeoutMs } = state.options;
  if (state.recovery === null || nowMs - state.recovery.sinceMs <= rendezvousTimeoutMs) return { state, commands: [] };
  const { minWorkers } = membershipLimits(state.options);
  if (state.workers.length >= minWorkers && state.workers.length > 0) return resumeTraining(state, nowMs);
  const message = `the coordinator restarted and ${state.workers.length} of ${state.recovery.members} workers came back within ${rendezvousTimeoutMs} ms, fewer than --min-workers ${minWorkers}`;
  return failRun(state, { code: ErrorCodes.TIMEOUT, message }, nowMs);
}
