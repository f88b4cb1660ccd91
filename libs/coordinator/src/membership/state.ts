// The coordinator's whole state: plain readonly data, replaced (never mutated) by every step, so a
// step's input can be kept, compared or replayed.

import type { DoneMessage, EvaluationMessage, HelloMessage, StepReport } from '@ringtrain/protocol';
import type { Command } from './commands.js';
import { checkCoordinatorOptions, type CoordinatorOptions } from './options.js';
import type { RunResult } from './run-result.js';

/** A control connection the server told us about. */
export interface ConnectionState {
  readonly remote: string;
  /** We sent it a close command; what it still delivers until it is gone is ignored. */
  readonly closing: boolean;
  /** When it connected (ms since the Unix epoch): a connection that says no hello is closed after helloTimeoutMs. */
  readonly openedMs: number;
}

/** A connection that said hello. */
export interface WorkerState {
  readonly conn: number;
  readonly hello: HelloMessage;
  /** When we last received anything from it. */
  readonly lastSeenMs: number;
  /** False once its connection closed (only kept for members that already sent done). */
  readonly connected: boolean;
  /** Step of its latest report; each rank reports strictly increasing steps. */
  readonly lastReportedStep: number | null;
  readonly done: DoneMessage | null;
}

/** The reports received so far for a step that not every rank has reported. */
export interface PendingStep {
  readonly step: number;
  /** Indexed by rank. */
  readonly reports: readonly (StepReport | null)[];
}

/** What the summary needs of the last committed step. */
export interface CommittedStep {
  readonly step: number;
  readonly meanLoss: number;
}

/** Sums over the committed steps' reports. */
export interface ReportTotals {
  /** Samples of every rank. */
  readonly samples: number;
  /** Indexed by rank. */
  readonly computeMs: readonly number[];
  /** Indexed by rank. */
  readonly commMs: readonly number[];
}

export interface ProgressState {
  /** Ascending by step. Only steps newer than the last commit: a commit drops everything up to it. */
  readonly pending: readonly PendingStep[];
  readonly lastCommitted: CommittedStep | null;
  readonly totals: ReportTotals;
  readonly latestEvaluation: EvaluationMessage['result'] | null;
  readonly evaluations: number;
}

export interface CoordinatorState {
  readonly options: CoordinatorOptions;
  /**
   * rendezvous: waiting for hellos; recovering: a restarted coordinator waiting for its members to come back;
   * training: welcomed, steps running; finished: the finish command was issued.
   */
  readonly phase: 'rendezvous' | 'recovering' | 'training' | 'finished';
  /** While recovering: since when, and how many members the persisted generation had. */
  readonly recovery: { readonly sinceMs: number; readonly members: number } | null;
  /** Ring generation: 0 at the start, raised by every reform. */
  readonly generation: number;
  /** Open connections by id. */
  readonly connections: Readonly<Record<number, ConnectionState>>;
  /**
   * The members. During rendezvous in arrival order; from training on in rank order (the index is the rank):
   * generation 0 sorted by (nodeRank, localRank), later generations the survivors in their order, then joiners.
   */
  readonly workers: readonly WorkerState[];
  /** Workers that said hello to the running run and wait for the next generation (elastic runs). */
  readonly joiners: readonly WorkerState[];
  /** Since when the members are fewer than minWorkers, waiting for joiners; null when not. */
  readonly degradedSinceMs: number | null;
  /**
   * A member's report that its ring broke (a peer closed or timed out) that no lost member explains yet; null when
   * none. Unexplained for heartbeatTimeoutMs, it fails the run.
   */
  readonly brokenRing: { readonly sinceMs: number; readonly message: string } | null;
  /** Workers that joined the run after it started (restarted or new), over all generations. */
  readonly joins: number;
  readonly progress: ProgressState;
  /** Set together with phase 'finished'. */
  readonly result: RunResult | null;
}

/** What one step returns: the next state and the commands to carry out, in order. */
export interface Transition {
  readonly state: CoordinatorState;
  readonly commands: Command[];
}

/** The state before any connection. Throws InvalidArgumentError on unusable options. */
export function initialState(options: CoordinatorOptions): CoordinatorState {
  checkCoordinatorOptions(options);
  const zeros = new Array<number>(options.worldSize).fill(0);
  return {
    options,
    phase: 'rendezvous',
    generation: 0,
    connections: {},
    workers: [],
    joiners: [],
    degradedSinceMs: null,
    brokenRing: null,
    joins: 0,
    recovery: null,
    progress: {
      pending: [],
      lastCommitted: null,
      totals: { samples: 0, computeMs: zeros, commMs: zeros },
      latestEvaluation: null,
      evaluations: 0,
    },
    result: null,
  };
}

/** The state with worker `index` replaced by `update` applied to it. */
export function updateWorker(state: CoordinatorState, index: number, update: Partial<WorkerState>): CoordinatorState {
  return { ...state, workers: state.workers.map((worker, i) => (i === index ? { ...worker, ...update } : worker)) };
}

/** Members still connected: a lost member of an elastic run stays in `workers` (disconnected) until the next reform. */
export function connectedMembers(state: CoordinatorState): number {
  return state.workers.filter((worker) => worker.connected).length;
}

/** The state with worker `index` gone (rendezvous only: afterwards indexes are no ranks yet). */
export function removeWorker(state: CoordinatorState, index: number): CoordinatorState {
  return { ...state, workers: state.workers.filter((_, i) => i !== index) };
}

/** The state with connection `conn` marked closing (or recorded as closing, if the server never announced it). */
export function markClosing(state: CoordinatorState, conn: number): CoordinatorState {
  const remote = state.connections[conn]?.remote ?? 'unknown';
  const openedMs = state.connections[conn]?.openedMs ?? 0;
  return { ...state, connections: { ...state.connections, [conn]: { remote, closing: true, openedMs } } };
}

/** `next` with `commands` (issued before it) in front of its own. */
export function after(commands: readonly Command[], next: Transition): Transition {
  return { state: next.state, commands: [...commands, ...next.commands] };
}
