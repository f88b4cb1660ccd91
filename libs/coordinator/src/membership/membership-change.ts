// Elastic membership: a member lost while training, and the ring re-formed from the members that are left plus
// the workers waiting to join. Every survivor gets a reform (roll back to the last commit, new rank and ring),
// every joiner a welcome of the new generation; rank 0 is always a survivor, whose state the joiners receive by
// broadcast. A run that is not elastic (the default) fails on a lost member, as it always did.

import { ErrorCodes } from '@ringtrain/common';
import type { RingMember } from '@ringtrain/protocol';
import { close, log, send, type Command } from './commands.js';
import { describeRank } from './describe.js';
import { failRun } from './finish.js';
import { isElastic, membershipLimits } from './options.js';
import { errorMessage, reformMessage, welcomeMessage } from './outgoing.js';
import { after, connectedMembers, markClosing, type CoordinatorState, type Transition, type WorkerState } from './state.js';

/** Why a member is removed and, for one still connected (silent, misbehaving), the error it is closed with. */
export interface Loss {
  readonly why: string;
  readonly evict?: { readonly code: string; readonly detail: string };
}

/** The ring of `members` in rank order. */
function ringOf(members: readonly WorkerState[]): RingMember[] {
  return members.map((member, rank) => ({ rank, host: member.hello.dataPlane.host, port: member.hello.dataPlane.port }));
}

/**
 * Generation + 1 from the connected members (in their order) and as many joiners as maxWorkers allows. The
 * reports of unfinished steps are dropped: every rank redoes the steps after the last commit.
 */
export function reformRing(state: CoordinatorState, nowMs: number, reason: string): Transition {
  const { maxWorkers } = membershipLimits(state.options);
  const kept = state.workers.flatMap((member, rank) => (member.connected ? [{ member, rank }] : []));
  // Only members hold the trained state; joiners would start over from fresh weights.
  if (kept.length === 0) return failRun(state, { code: ErrorCodes.WORKER_FAILED, message: `${reason}; no member is left to hand the state to the workers that joined` }, nowMs);
  const taken = state.joiners.slice(0, maxWorkers - kept.length);
  const fresh = (worker: WorkerState): WorkerState => ({ ...worker, lastSeenMs: nowMs, lastReportedStep: null, done: null });
  const members = [...kept.map(({ member }) => fresh(member)), ...taken.map(fresh)];
  const generation = state.generation + 1;
  const ring = ringOf(members);
  const lastCommitted = state.progress.lastCommitted;
  const committedSteps = lastCommitted === null ? undefined : lastCommitted.step + 1;
  const { totals } = state.progress;
  const zeros = taken.map(() => 0);
  const placement = members.map((member, rank) => describeRank(rank, member.hello)).join('; ');
  const commands: Command[] = [
    log('info', `generation ${generation}: ${members.length} workers (${reason}); continuing after ${committedSteps ?? 0} committed steps: ${placement}`),
    ...kept.map(({ member }, rank) => send(member.conn, reformMessage(rank, generation, ring, reason, committedSteps))),
    ...taken.map((joiner, i) => send(joiner.conn, welcomeMessage(kept.length + i, generation, ring, state.options))),
  ];
  return {
    state: {
      ...state,
      generation,
      workers: members,
      joiners: state.joiners.slice(taken.length),
      degradedSinceMs: null,
      brokenRing: null,
      joins: state.joins + taken.length,
      progress: {
        ...state.progress,
        pending: [],
        totals: {
          samples: totals.samples,
          computeMs: [...kept.map(({ rank }) => totals.computeMs[rank] ?? 0), ...zeros],
          commMs: [...kept.map(({ rank }) => totals.commMs[rank] ?? 0), ...zeros],
        },
      },
    },
    commands,
  };
}

/** Re-forms the ring when there are enough workers for it (members and joiners together reach minWorkers). */
export function reformIfEnough(state: CoordinatorState, nowMs: number, reason: string): Transition {
  // A restarted coordinator re-forms once its members are back; joiners wait for that.
  if (state.phase === 'recovering') return { state, commands: [] };
  const { minWorkers } = membershipLimits(state.options);
  const available = connectedMembers(state) + state.joiners.length;
  return available >= minWorkers ? reformRing(state, nowMs, reason) : { state, commands: [] };
}

/**
 * Member `rank` is gone (closed, silent, left, misbehaved). Not elastic: the run fails. Elastic: it is removed (and
 * closed, if it is still connected); the survivors re-form the ring if there are at least minWorkers of them, else
 * wait up to replacementTimeoutMs for joiners, else the run fails.
 */
export function loseMember(state: CoordinatorState, rank: number, loss: Loss, nowMs: number): Transition {
  const member = state.workers[rank]!;
  if (!isElastic(state.options)) return failRun(state, { code: ErrorCodes.WORKER_FAILED, message: loss.why, culpritConn: member.conn }, nowMs);
  const commands: Command[] = [];
  let next: CoordinatorState = state;
  if (loss.evict !== undefined && member.connected) {
    commands.push(send(member.conn, errorMessage(loss.evict.code, loss.evict.detail)), close(member.conn, loss.evict.code));
    next = markClosing(next, member.conn);
  }
  next = { ...next, workers: next.workers.map((worker, i) => (i === rank ? { ...worker, connected: false } : worker)) };
  const { minWorkers, replacementTimeoutMs } = membershipLimits(state.options);
  const left = connectedMembers(next);
  commands.push(log('warn', `${loss.why}; ${left} of ${state.workers.length} workers left`));
  if (left + next.joiners.length >= minWorkers) return after(commands, reformRing(next, nowMs, loss.why));
  if (replacementTimeoutMs > 0) {
    commands.push(log('warn', `fewer than --min-workers ${minWorkers}: waiting up to ${replacementTimeoutMs / 1000} s for workers to join`));
    // The lost member explains any broken ring reported so far.
    return { state: { ...next, degradedSinceMs: next.degradedSinceMs ?? nowMs, brokenRing: null }, commands };
  }
  return after(commands, failRun(next, { code: ErrorCodes.WORKER_FAILED, message: `${loss.why}; ${left} workers left, fewer than --min-workers ${minWorkers}` }, nowMs));
}

/** Fails a run that waited for joiners longer than replacementTimeoutMs. */
export function checkReplacementDeadline(state: CoordinatorState, nowMs: number): Transition {
  const { replacementTimeoutMs, minWorkers } = membershipLimits(state.options);
  if (state.degradedSinceMs === null || nowMs - state.degradedSinceMs <= replacementTimeoutMs) return { state, commands: [] };
  const left = connectedMembers(state);
  const message = `no worker joined within ${replacementTimeoutMs} ms to replace the lost ones: ${left} + ${state.joiners.length} waiting, fewer than --min-workers ${minWorkers}`;
  return failRun(state, { code: ErrorCodes.WORKER_FAILED, message }, nowMs);
}
