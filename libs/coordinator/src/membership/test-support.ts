// Fixtures shared by the membership tests: a 3-worker run whose workers say hello out of rank order, and
// a driver that feeds events through `step`, freezing every input state (so any mutation throws) and
// validating every message sent against the protocol schemas (so bounds like the 256-character shutdown
// reason are checked too).

import { PROTOCOL_VERSION, validateMessage, type HelloMessage, type Message, type ReportMessage, type StepReport } from '@ringtrain/protocol';
import type { Command, SendCommand } from './commands.js';
import type { CoordinatorEvent } from './events.js';
import type { CoordinatorOptions } from './options.js';
import { initialState, type CoordinatorState, type Transition } from './state.js';
import { step } from './step.js';

/** 2025-01-01T00:00:00.000Z */
export const STARTED_AT = Date.UTC(2025, 0, 1);
export const CONFIG_HASH = 'c0ffee00'.repeat(8);
export const CONFIG = { model: 'mlp', dataset: 'mnist', epochs: 1, batchSize: 32, accumSteps: 2, lr: 0.1 };

export function makeOptions(overrides: Partial<CoordinatorOptions> = {}): CoordinatorOptions {
  return {
    worldSize: 3,
    config: CONFIG,
    configHash: CONFIG_HASH,
    hashEvery: 2,
    rendezvousTimeoutMs: 60_000,
    heartbeatTimeoutMs: 10_000,
    startedAtMs: STARTED_AT,
    ...overrides,
  };
}

interface Place {
  conn: number;
  host: string;
  nodeRank: number;
  localRank: number;
  dataHost: string;
  port: number;
  pid: number;
}

/** The test workers in the order they say hello. Sorted by (nodeRank, localRank): conn 13 is rank 0, 12 rank 1, 11 rank 2. */
export const WORKERS: readonly Place[] = [
  { conn: 11, host: 'node-b', nodeRank: 1, localRank: 0, dataHost: '10.0.0.2', port: 29600, pid: 2001 },
  { conn: 12, host: 'node-a', nodeRank: 0, localRank: 1, dataHost: '10.0.0.1', port: 29601, pid: 1002 },
  { conn: 13, host: 'node-a', nodeRank: 0, localRank: 0, dataHost: '10.0.0.1', port: 29600, pid: 1001 },
];

/** Connection of each rank once the run trains. */
export const CONN_OF_RANK = [13, 12, 11] as const;

export function hello(place: Place, overrides: Partial<HelloMessage> = {}): HelloMessage {
  return {
    type: 'hello',
    v: PROTOCOL_VERSION,
    host: place.host,
    nodeRank: place.nodeRank,
    localRank: place.localRank,
    localWorldSize: 2,
    dataPlane: { host: place.dataHost, port: place.port },
    pid: place.pid,
    backend: 'wasm',
    configHash: CONFIG_HASH,
    ...overrides,
  };
}

export function message(conn: number, msg: Message, now: number): CoordinatorEvent {
  return { type: 'message', conn, message: msg, now };
}

/** connected + hello of `places`, one millisecond apart from `now`. */
export function arrivals(places: readonly Place[], now = STARTED_AT + 1000): CoordinatorEvent[] {
  return places.flatMap((place, i) => [
    { type: 'connected', conn: place.conn, remote: `${place.dataHost}:${40000 + place.conn}`, now: now + i },
    message(place.conn, hello(place), now + i),
  ]);
}

interface ReportFields {
  loss: number;
  computeMs: number;
  commMs: number;
  lr?: number;
  epoch?: number;
  samples?: number;
  paramHash?: string;
}

/** Member `rank`'s report of the one step `stepIndex` (generation 0). */
export function report(rank: number, stepIndex: number, fields: ReportFields): ReportMessage {
  return { type: 'report', v: PROTOCOL_VERSION, rank, generation: 0, steps: [stepReport(stepIndex, fields)] };
}

/** One step as a report message carries it. */
export function stepReport(stepIndex: number, fields: ReportFields): StepReport {
  const entry: StepReport = {
    step: stepIndex,
    epoch: fields.epoch ?? 0,
    loss: fields.loss,
    lr: fields.lr ?? 0.1,
    gradNorm: 1.5,
    samples: fields.samples ?? 64,
    timings: { computeMs: fields.computeMs, commMs: fields.commMs, stepMs: fields.computeMs + fields.commMs },
  };
  return fields.paramHash === undefined ? entry : { ...entry, paramHash: fields.paramHash };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Feeds `events` in order; the commands of all of them, the last state. */
export function drive(state: CoordinatorState, events: readonly CoordinatorEvent[]): Transition {
  const commands: Command[] = [];
  let current = state;
  for (const event of events) {
    const next = step(deepFreeze(current), event);
    for (const command of next.commands) if (command.type === 'send') validateMessage(command.message);
    commands.push(...next.commands);
    current = next.state;
  }
  return { state: current, commands };
}

/** A fresh run of makeOptions(overrides) after all three WORKERS said hello (at STARTED_AT + 1000..1002). */
export function trainingRun(overrides: Partial<CoordinatorOptions> = {}): CoordinatorState {
  return drive(initialState(makeOptions(overrides)), arrivals(WORKERS)).state;
}

/** Step 0 reported by every rank: losses 2.5, 2.25, 2.75; compute 100, 110, 90 ms; comm 25, 5, 30 ms; 64 samples each. */
export const STEP0: readonly ReportMessage[] = [
  report(0, 0, { loss: 2.5, computeMs: 100, commMs: 25 }),
  report(1, 0, { loss: 2.25, computeMs: 110, commMs: 5 }),
  report(2, 0, { loss: 2.75, computeMs: 90, commMs: 30 }),
];

/** The events of every rank's report of step 0 at `now`. */
export function step0Events(now: number): CoordinatorEvent[] {
  return STEP0.map((msg) => message(CONN_OF_RANK[msg.rank]!, msg, now));
}

/** The three commands of a rejected connection: a warning naming it, an error reply with `code`, the close. */
export function rejection(conn: number, remote: string, code: string, detail: string): Command[] {
  return [
    { type: 'log', level: 'warn', text: `connection ${conn} from ${remote} rejected: ${code}: ${detail}` },
    { type: 'send', conn, message: { type: 'error', v: PROTOCOL_VERSION, code, message: detail } },
    { type: 'close', conn, reason: code },
  ];
}

export function sends(commands: readonly Command[]): SendCommand[] {
  return commands.filter((command): command is SendCommand => command.type === 'send');
}

/** The messages sent to `conn`, in order. */
export function sentTo(commands: readonly Command[], conn: number): Message[] {
  return sends(commands).filter((command) => command.conn === conn).map((command) => command.message);
}

export function finishOf(commands: readonly Command[]) {
  const finishes = commands.filter((command) => command.type === 'finish');
  if (finishes.length !== 1) throw new Error(`expected exactly one finish command, got ${finishes.length}`);
  return finishes[0]!.result;
}
