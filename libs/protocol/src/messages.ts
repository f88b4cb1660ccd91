// The control-plane messages: one WebSocket per worker to the coordinator carries these, encoded as
// msgpack maps (codec.ts). Each message is a strict zod schema and its TypeScript type is inferred from
// it, so the type and the validator cannot drift apart. Unknown keys are rejected, every integer is an
// integer, every number is finite, every string and array is bounded.

import { z } from 'zod';
import {
  addressSchema,
  epochMillis,
  hostField,
  jsonObject,
  nonNegativeFinite,
  rankField,
  reasonField,
  u32,
  worldSizeField,
} from './fields.js';
import { MAX_STEPS_PER_REPORT } from './limits.js';
import { checkRing, ringSchema } from './ring.js';

/** Version of the control-plane message set. A peer whose messages carry another `v` gets E_VERSION. */
export const PROTOCOL_VERSION = 2;

const version = z.literal(PROTOCOL_VERSION);

/**
 * Worker -> coordinator, first message on a new connection: who the worker is and where it listens. The token is
 * not in it: both sides prove they hold it at the WebSocket upgrade, before any message is read.
 */
export const helloSchema = z.strictObject({
  /** Discriminant of the message union. */
  type: z.literal('hello'),
  /** Protocol version the sender speaks: PROTOCOL_VERSION. */
  v: version,
  /** The worker's host name, for logs and for grouping the ranks of one node. */
  host: hostField,
  /** Index of the worker's node among the nodes of the run (--node-rank). */
  nodeRank: rankField,
  /** Index of the worker among the processes of its node (LOCAL_RANK); below localWorldSize. */
  localRank: rankField,
  /** Number of worker processes on its node (LOCAL_WORLD_SIZE). */
  localWorldSize: worldSizeField,
  /** Where the worker's data-plane server listens; its ring predecessor connects there. */
  dataPlane: addressSchema,
  /** Operating-system process id, for logs and for the launcher to match restarts. */
  pid: z.int().min(1).max(0xffffffff),
  /**
   * The compute backend the worker resolved (never `auto`): `tensorflow-gpu`, `tensorflow`, `wasm` or
   * `cpu` today; lower-case letters, digits and dashes, at most 32 characters.
   */
  backend: z.string().regex(/^[a-z0-9-]{1,32}$/),
  /**
   * SHA-256 (64 lower-case hex digits) of the run config the worker was started with, so the
   * coordinator can refuse a worker configured differently. Absent when the worker was started without
   * a run config and takes the coordinator's from welcome.
   */
  configHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /**
   * Present when a member of a running elastic run reconnects (its coordinator restarted): the generation and rank
   * it trains in, and the optimizer steps of the oldest and newest state it can roll back to.
   */
  rejoin: z
    .strictObject({
      generation: u32,
      rank: rankField,
      fromSteps: u32,
      toSteps: u32,
    })
    .optional(),
}).superRefine((msg, ctx) => {
  if (msg.rejoin !== undefined && msg.rejoin.fromSteps > msg.rejoin.toSteps) {
    ctx.addIssue({ code: 'custom', path: ['rejoin', 'fromSteps'], message: `must be <= toSteps (${msg.rejoin.toSteps}), received ${msg.rejoin.fromSteps}` });
  }
  if (msg.localRank >= msg.localWorldSize) {
    ctx.addIssue({ code: 'custom', path: ['localRank'], message: `must be < localWorldSize (${msg.localWorldSize}), received ${msg.localRank}` });
  }
});

/** Coordinator -> worker, answer to hello: the worker's place in the run and the run config. */
export const welcomeSchema = z.strictObject({
  /** Discriminant of the message union. */
  type: z.literal('welcome'),
  /** Protocol version the sender speaks: PROTOCOL_VERSION. */
  v: version,
  /** The recipient's global rank in this generation, below worldSize. */
  rank: rankField,
  /** Number of ranks in this generation. */
  worldSize: worldSizeField,
  /** Ring generation this membership belongs to; data frames carry it, frames of other generations are stale. */
  generation: u32,
  /** Every rank of the generation exactly once, in ring order, with its data-plane address. */
  ring: ringSchema,
  /** The run config as a JSON object (the same keys as the config file), from which the worker builds model, data and optimizer. */
  config: jsonObject,
  /**
   * The world size the run was planned for (the coordinator's --world-size): the LR schedule's length and the
   * global batch are defined for it, so a worker joining a smaller or larger generation keeps them.
   */
  plannedWorldSize: worldSizeField,
  /**
   * The coordinator re-forms the ring when a member is lost (--min-workers below the world size, or lost workers
   * replaced): a worker whose ring breaks reports it and waits for a reform instead of ending the run.
   */
  elastic: z.boolean(),
}).superRefine(checkRing);

/**
 * Liveness ping. Workers send one every heartbeat interval; the coordinator declares a worker dead
 * after missing several. A coordinator that answers echoes `seq`, so both sides can measure round trips.
 */
export const heartbeatSchema = z.strictObject({
  /** Discriminant of the message union. */
  type: z.literal('heartbeat'),
  /** Protocol version the sender speaks: PROTOCOL_VERSION. */
  v: version,
  /** The sending worker's rank; absent from the coordinator and from a worker not yet welcomed. */
  rank: rankField.optional(),
  /** Sequence number, one higher than the sender's previous heartbeat on this connection. */
  seq: u32,
  /** The sender's wall clock when it sent this, in whole milliseconds since the Unix epoch. */
  timeMs: epochMillis,
});

/** Compute and communication time of one step on the reporting rank. */
const stepTimingsSchema = z.strictObject({
  /** Milliseconds in forward and backward passes (all micro-batches of the step). */
  computeMs: nonNegativeFinite,
  /** Milliseconds in gradient communication (all-reduce), as this rank measured it. */
  commMs: nonNegativeFinite,
  /** Milliseconds of the whole step on this rank: data, compute, communication, clipping and the update. */
  stepMs: nonNegativeFinite,
});

/** One optimizer step as the rank that took it saw it. */
export const stepReportSchema = z.strictObject({
  /** Global optimizer step that just finished, counted from 0. */
  step: u32,
  /** Epoch the step belongs to, counted from 0. */
  epoch: u32,
  /**
   * Mean training loss over this rank's micro-batches of the step (not scaled by 1/accumSteps). Finite:
   * a worker whose loss is NaN or infinite sends an error message instead, since training has diverged.
   */
  loss: z.number(),
  /** Learning rate the step's update used. */
  lr: nonNegativeFinite,
  /** Global L2 norm of the averaged gradient before clipping (what clip_grad_norm_ returns); equal on every rank. */
  gradNorm: nonNegativeFinite,
  /** Samples this rank consumed in the step (batch size x accumSteps, fewer on a short last batch). */
  samples: u32,
  /** Optimizer steps of the whole run, so the coordinator can show progress and an ETA. */
  totalSteps: u32.optional(),
  /** Where the step's time went on this rank. */
  timings: stepTimingsSchema,
  /**
   * SHA-256 (64 lower-case hex digits) of the rank's parameters and model state after the step, sent every
   * --hash-every steps: the coordinator compares the ranks' hashes of a step and stops a diverged run.
   */
  paramHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** Further per-step scalars (accuracy, ...): at most 32 entries, names of at most 64 characters, finite values. */
  metrics: z
    .record(z.string().min(1).max(64), z.number())
    .refine((metrics) => Object.keys(metrics).length <= 32, { message: 'must have at most 32 entries' })
    .optional(),
});

/**
 * Worker -> coordinator: the optimizer steps this rank finished since its previous report, oldest first, sent
 * without waiting for an answer. A worker gathers a few fast steps into one message (a message per step of a
 * small model kept the coordinator's process busy on cores the workers train on).
 */
export const reportSchema = z.strictObject({
  /** Discriminant of the message union. */
  type: z.literal('report'),
  /** Protocol version the sender speaks: PROTOCOL_VERSION. */
  v: version,
  /** The reporting rank. */
  rank: rankField,
  /** Generation the steps ran in. */
  generation: u32,
  /** The steps, in increasing step order: 1 to MAX_STEPS_PER_REPORT of them. */
  steps: z.array(stepReportSchema).min(1).max(MAX_STEPS_PER_REPORT),
});

/** The test split's loss and accuracy, combined over every rank's shard from all-reduced sums. */
const evaluationSchema = z.strictObject({
  /** Global optimizer steps done when the model was evaluated. */
  step: u32,
  /** Epochs done when the model was evaluated. */
  epoch: u32,
  /** Σ loss / Σ count over the whole test split (each sample counted once). */
  testLoss: nonNegativeFinite,
  /** Σ correct / Σ count; 0 for regression datasets. */
  testAccuracy: z.number().min(0).max(1),
  /** Test samples evaluated, over all ranks. */
  count: u32,
});

/** Worker -> coordinator after each evaluation of the test split (at every epoch end). Equal on every rank. */
export const evaluationMessageSchema = z.strictObject({
  /** Discriminant of the message union. */
  type: z.literal('evaluation'),
  /** Protocol version the sender speaks: PROTOCOL_VERSION. */
  v: version,
  /** The reporting rank. */
  rank: rankField,
  /** The evaluation. */
  result: evaluationSchema,
});

/** Worker -> coordinator when it has finished its last step (and its last checkpoint): its final state and totals. */
export const doneSchema = z.strictObject({
  /** Discriminant of the message union. */
  type: z.literal('done'),
  /** Protocol version the sender speaks: PROTOCOL_VERSION. */
  v: version,
  /** The reporting rank. */
  rank: rankField,
  /** Generation the run ended in. */
  generation: u32,
  /** Optimizer steps of the whole run (the final global step count). */
  steps: u32,
  /** SHA-256 (64 lower-case hex digits) of the final parameters and model state. */
  paramHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** Milliseconds this rank spent in forward and backward passes over the run. */
  computeMs: nonNegativeFinite,
  /** Milliseconds this rank waited on gradient communication over the run. */
  commMs: nonNegativeFinite,
  /** Milliseconds from this rank's first step to its last. */
  trainMs: nonNegativeFinite,
});

/**
 * Coordinator -> workers: every rank of `generation` finished `step`, so the state after that step is
 * the point a later reform rolls back to.
 */
export const commitSchema = z.strictObject({
  /** Discriminant of the message union. */
  type: z.literal('commit'),
  /** Protocol version the sender speaks: PROTOCOL_VERSION. */
  v: version,
  /** Generation the committed step ran in. */
  generation: u32,
  /** The committed global step. */
  step: u32,
});

/**
 * Coordinator -> every surviving worker: the membership changed (a worker joining gets a welcome of the new
 * generation instead). Each rank drops its data links, restores the snapshot taken after `committedSteps`
 * optimizer steps, connects to its new neighbours, and takes rank 0's state by broadcast.
 */
export const reformSchema = z.strictObject({
  /** Discriminant of the message union. */
  type: z.literal('reform'),
  /** Protocol version the sender speaks: PROTOCOL_VERSION. */
  v: version,
  /** The generation that starts now, higher than every earlier one. */
  newGeneration: u32,
  /** Why the ring re-forms (a worker died, a worker joined, ...), at most 256 characters. */
  reason: reasonField,
  /** The recipient's rank in the new generation, below worldSize (ranks are renumbered on every reform). */
  rank: rankField,
  /** Number of ranks in the new generation. */
  worldSize: worldSizeField,
  /** Every rank of the new generation exactly once, in ring order, with its data-plane address. */
  ring: ringSchema,
  /**
   * Optimizer steps done at the last commit: every rank continues from the state right after them. Absent when
   * nothing was committed yet in this run: every rank goes back to the state its training started from.
   */
  committedSteps: u32.optional(),
}).superRefine(checkRing);

/**
 * Coordinator -> the rank that writes checkpoints: write one at the end of `step`. That rank echoes the
 * message back once the file is in place (written atomically).
 */
export const checkpointSchema = z.strictObject({
  /** Discriminant of the message union. */
  type: z.literal('checkpoint'),
  /** Protocol version the sender speaks: PROTOCOL_VERSION. */
  v: version,
  /** Global step whose end state the checkpoint holds. */
  step: u32,
  /** File the checkpoint is written to, on the writer's file system; 1..4096 characters. */
  path: z.string().min(1).max(4096),
});

/** Coordinator -> worker: stop now and exit the process with `exitCode`. */
export const shutdownSchema = z.strictObject({
  /** Discriminant of the message union. */
  type: z.literal('shutdown'),
  /** Protocol version the sender speaks: PROTOCOL_VERSION. */
  v: version,
  /** Why the run ends (finished, failed, interrupted, ...), at most 256 characters. */
  reason: reasonField,
  /** Process exit code for the worker: 0 on success; 0..255. */
  exitCode: z.int().min(0).max(255),
});

/** Where in the run an error message's failure happened; the fields of ErrorContext a peer can use. */
const errorContextSchema = z.strictObject({
  /** Rank that saw the failure. */
  rank: rankField.optional(),
  /** Rank that caused it (the peer of a failed link, ...). */
  peer: rankField.optional(),
  /** Generation in which it happened. */
  generation: u32.optional(),
  /** Global step at which it happened. */
  step: u32.optional(),
  /** Phase of the step (`allreduce`, `broadcast`, `checkpoint`, ...), at most 64 characters. */
  phase: z.string().min(1).max(64).optional(),
});

/**
 * Either direction: a failure the receiver must know about. The coordinator sends one before closing a
 * connection whose message failed validation; a worker sends one when it cannot go on.
 */
export const errorSchema = z.strictObject({
  /** Discriminant of the message union. */
  type: z.literal('error'),
  /** Protocol version the sender speaks: PROTOCOL_VERSION. */
  v: version,
  /** Stable error code, like the ErrorCodes of @ringtrain/common: `E_` and up to 62 of A-Z, 0-9, `_`. */
  code: z.string().regex(/^E_[A-Z0-9_]{1,62}$/),
  /** What went wrong, for a person to read; at most 4096 characters. */
  message: z.string().max(4096),
  /** Where it happened, as far as the sender knows. */
  context: errorContextSchema.optional(),
});

/** Every message schema by its `type`. */
export const messageSchemas = {
  hello: helloSchema,
  welcome: welcomeSchema,
  heartbeat: heartbeatSchema,
  report: reportSchema,
  commit: commitSchema,
  reform: reformSchema,
  checkpoint: checkpointSchema,
  shutdown: shutdownSchema,
  error: errorSchema,
  evaluation: evaluationMessageSchema,
  done: doneSchema,
} as const;

export type MessageType = keyof typeof messageSchemas;
export type HelloMessage = z.infer<typeof helloSchema>;
export type WelcomeMessage = z.infer<typeof welcomeSchema>;
export type HeartbeatMessage = z.infer<typeof heartbeatSchema>;
export type ReportMessage = z.infer<typeof reportSchema>;
export type StepReport = z.infer<typeof stepReportSchema>;
export type CommitMessage = z.infer<typeof commitSchema>;
export type ReformMessage = z.infer<typeof reformSchema>;
export type CheckpointMessage = z.infer<typeof checkpointSchema>;
export type ShutdownMessage = z.infer<typeof shutdownSchema>;
export type ErrorMessage = z.infer<typeof errorSchema>;
export type EvaluationMessage = z.infer<typeof evaluationMessageSchema>;
export type DoneMessage = z.infer<typeof doneSchema>;

/** Any control message; `type` discriminates. */
export type Message = { [T in MessageType]: z.infer<(typeof messageSchemas)[T]> }[MessageType];

/** The message of one type, e.g. `MessageOf<'welcome'>`. */
export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;
