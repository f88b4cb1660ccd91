// Training progress: the reports of every rank are gathered per step; when the last rank's report of a
// step arrives the step is committed (metrics record, commit to every member) after its parameter hashes,
// if any, agreed. Only steps after the last commit are kept, so memory stays bounded by how far the
// fastest rank runs ahead. A report message may carry several steps of its rank; they are taken in order,
// and of the commits they complete each member is sent only the last (a commit covers every step before it).

import { ErrorCodes } from '@ringtrain/common';
import type { ReportMessage, StepReport } from '@ringtrain/protocol';
import { send, type Command } from './commands.js';
import { describeRank, describeRanks } from './describe.js';
import { describeDivergence } from './divergence.js';
import { failRun } from './finish.js';
import { commitMessage } from './outgoing.js';
import { rejectConnection } from './reject.js';
import { updateWorker, type CoordinatorState, type PendingStep, type Transition } from './state.js';
import { stepMetrics } from './step-metrics.js';

/** Whether hashEvery asks every rank for a parameter hash with the report of `step`: after every hashEvery-th step. */
export function isHashStep(step: number, hashEvery: number): boolean {
  return hashEvery > 0 && (step + 1) % hashEvery === 0;
}

/** Why the complete reports of a step must stop the run, or null. */
function hashFailure(state: CoordinatorState, reports: readonly StepReport[]): { code: string; message: string } | null {
  const step = reports[0]!.step;
  const hashes = reports.flatMap((report) => (report.paramHash === undefined ? [] : [report.paramHash]));
  if (hashes.length === reports.length) {
    const divergence = describeDivergence(hashes);
    return divergence === null ? null : { code: ErrorCodes.DIVERGED, message: `parameter hashes differ after step ${step}: ${divergence}` };
  }
  if (!isHashStep(step, state.options.hashEvery)) return null;
  const missing = reports.flatMap((report, rank) => (report.paramHash === undefined ? [rank] : []));
  const who = missing.map((rank) => describeRank(rank, state.workers[rank]!.hello)).join(', ');
  return {
    code: ErrorCodes.WORKER_FAILED,
    message: `${describeRanks(missing)} sent no parameter hash for step ${step} (${who}); the run checks one after every ${state.options.hashEvery} steps`,
  };
}

/** Every rank reported the step: check hashes, record metrics, commit, forget the step and everything before it. */
function commit(state: CoordinatorState, reports: readonly StepReport[], nowMs: number): Transition {
  const failure = hashFailure(state, reports);
  if (failure !== null) return failRun(state, failure, nowMs);
  const record = stepMetrics(reports, state.generation);
  const { totals } = state.progress;
  const progress = {
    ...state.progress,
    // Each rank reports increasing steps, so no rank can still complete a step before this one.
    pending: state.progress.pending.filter((pending) => pending.step > record.step),
    lastCommitted: { step: record.step, meanLoss: record.loss },
    totals: {
      samples: reports.reduce((sum, report) => sum + report.samples, totals.samples),
      computeMs: totals.computeMs.map((ms, rank) => ms + reports[rank]!.timings.computeMs),
      commMs: totals.commMs.map((ms, rank) => ms + reports[rank]!.timings.commMs),
    },
  };
  const commitAll = commitMessage(state.generation, record.step);
  const commands: Command[] = [
    { type: 'metrics', record },
    ...state.workers.filter((worker) => worker.connected).map((worker) => send(worker.conn, commitAll)),
  ];
  return { state: { ...state, progress }, commands };
}

function isComplete(reports: readonly (StepReport | null)[]): reports is readonly StepReport[] {
  return reports.every((report) => report !== null);
}

/** `pending` with member `rank`'s `report` filed under its step (a new entry, in step order, for the first report of a step). */
function file(pending: readonly PendingStep[], rank: number, report: StepReport, worldSize: number): PendingStep[] {
  const existing = pending.find((entry) => entry.step === report.step);
  if (existing !== undefined) {
    const reports = existing.reports.map((held, r) => (r === rank ? report : held));
    return pending.map((entry) => (entry === existing ? { step: entry.step, reports } : entry));
  }
  const reports = Array.from({ length: worldSize }, (_, r) => (r === rank ? report : null));
  return [...pending, { step: report.step, reports }].sort((a, b) => a.step - b.step);
}

/** One step reported by member `rank`. */
function onStepReport(state: CoordinatorState, rank: number, report: StepReport, nowMs: number): Transition {
  const worker = state.workers[rank]!;
  if (worker.lastReportedStep !== null && report.step <= worker.lastReportedStep) {
    return rejectConnection(state, worker.conn, ErrorCodes.PROTOCOL, `report of step ${report.step} after one of step ${worker.lastReportedStep}`, nowMs);
  }
  const reported = updateWorker(state, rank, { lastReportedStep: report.step });
  const pending = file(state.progress.pending, rank, report, state.workers.length);
  const entry = pending.find((candidate) => candidate.step === report.step)!;
  if (isComplete(entry.reports)) return commit(reported, entry.reports, nowMs);
  return { state: { ...reported, progress: { ...reported.progress, pending } }, commands: [] };
}

/** `commands` without the commits that a later commit to the same connection supersedes. */
function latestCommits(commands: readonly Command[]): Command[] {
  const lastCommit = new Map<number, Command>();
  for (const command of commands) if (command.type === 'send' && command.message.type === 'commit') lastCommit.set(command.conn, command);
  return commands.filter((command) => command.type !== 'send' || command.message.type !== 'commit' || lastCommit.get(command.conn) === command);
}

/** A report from member `rank` (whose `rank` field was checked to be the sender's): its steps, in order. */
export function onReport(state: CoordinatorState, rank: number, message: ReportMessage, nowMs: number): Transition {
  const { conn } = state.workers[rank]!;
  // Sent before this rank heard of the reform: its steps are redone in this generation.
  if (message.generation < state.generation) return { state, commands: [] };
  if (message.generation !== state.generation) {
    return rejectConnection(state, conn, ErrorCodes.PROTOCOL, `report of generation ${message.generation}, the run is in generation ${state.generation}`, nowMs);
  }
  let current = state;
  const commands: Command[] = [];
  for (const report of message.steps) {
    const next = onStepReport(current, rank, report, nowMs);
    current = next.state;
    commands.push(...next.commands);
    // A failed hash check, a rejected step or a lost member ends the run or its generation: the rest is moot.
    if (current.phase !== 'training' || current.generation !== message.generation || current.connections[conn]?.closing === true) break;
  }
  return { state: current, commands: latestCommits(commands) };
}
