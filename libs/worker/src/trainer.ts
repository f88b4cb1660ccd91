// The training loop of one rank (DESIGN.md, "One training step"): sampler -> forward/backward -> accumulation
// -> all-reduce (average) -> clip on the averaged gradient -> LR from the global step -> optimizer. Every rank runs
// the same code on the same state and the same averaged gradient, so the replicas stay bit-identical; the
// coordinator checks that through the parameter hashes this loop reports.

import { join } from 'node:path';
import { AbortedError } from '@ringtrain/common';
import type { RunConfig } from '@ringtrain/config';
import { BatchGatherer, DistributedSampler, type Dataset } from '@ringtrain/data';
import { computeGradients } from '@ringtrain/models';
import { Accumulator, adaptToWorld, addL2Penalty, buildSchedule, linearScaledLr, type LrSchedule } from '@ringtrain/optim';
import type { Transport } from '@ringtrain/transport';
import { batchTensors } from './batch-tensors.js';
import type { Checkpoint } from './checkpoint/checkpoint.js';
import { checkpointFileName } from './checkpoint/files.js';
import { writeCheckpoint } from './checkpoint/write.js';
import { checkpointOf, restoreCheckpoint } from './checkpointing.js';
import { planBuckets, type Bucket } from './gradient-buckets.js';
import { clipGradients } from './gradient-clipping.js';
import { GradientSync, type BucketReducer } from './gradient-sync.js';
import { prepareModelDir, writeModel } from './model-files.js';
import { yieldToEventLoop } from './event-loop.js';
import { evaluateTestSplit, type EvaluationResult } from './sharded-evaluation.js';
import { broadcastTrainingState, type TrainingPosition } from './state-broadcast.js';
import type { Replica } from './replica.js';
import { TrainingSession } from './training-session.js';

/** What one optimizer step did on this rank, for the coordinator's metrics. */
export interface StepReport {
  /** Global step that just finished, from 0. */
  step: number;
  epoch: number;
  /** Mean loss over the step's micro-batches on this rank (not scaled for accumulation). */
  loss: number;
  lr: number;
  /** Norm of the averaged gradient before clipping; equal on every rank. */
  gradNorm: number;
  /** Samples this rank trained on in the step. */
  samples: number;
  /** Optimizer steps of the whole run. */
  totalSteps: number;
  computeMs: number;
  commMs: number;
  /**
   * Wall time of the whole step on this rank: data, compute, communication, update, the in-memory snapshot of
   * elastic runs (and the wait for room for it), the parameter hash when one is due, and what happened since the
   * previous step's clock stopped (its report); not checkpoints or evaluations.
   */
  stepMs: number;
  /** Hash of parameters and state after the step, every --hash-every steps and after the last step. */
  paramHash?: string;
  /** A checkpoint of this step is due (--checkpoint-every with --checkpoint-dir): rank 0 writes it right after this report. */
  checkpointDue: boolean;
}

export interface TrainerHooks {
  /** After every optimizer step. Must not block: reporting happens asynchronously. */
  onStep?(report: StepReport): void;
  /** After every epoch's evaluation (identical on every rank). */
  onEvaluation?(result: EvaluationResult & { step: number; epoch: number }): void;
  /** After rank 0 wrote a checkpoint. */
  onCheckpoint?(path: string, step: number): void;
  /** After rank 0 saved the trained model into --out (model-files.ts), with its directory. */
  onModelSaved?(dir: string): void;
}

export interface TrainerOptions {
  config: RunConfig;
  /** This generation's ring. */
  transport: Transport;
  dataset: Dataset;
  /**
   * The world size the run was planned for (the coordinator's --world-size): the LR schedule and the global batch
   * are defined for it, and a generation of another size adapts to it (adaptToWorld). Default transport.worldSize.
   */
  plannedWorldSize?: number;
  /** This process's replica, snapshots and totals across ring generations; default a new one (a single generation). */
  session?: TrainingSession;
  /** Rank 0 of the first generation only: the checkpoint to continue from (--resume), and its file name for messages. */
  resume?: { checkpoint: Checkpoint; file: string };
  hooks?: TrainerHooks;
  /** Stops the run between steps and cancels pending collectives (SIGTERM, or the ring re-forming). */
  signal?: AbortSignal;
  /**
   * Who averages the gradient buckets (a communication thread's allReduce); default the ring on `transport`, run
   * by this thread. Every other collective (the state broadcast, the evaluation) runs on `transport`.
   */
  bucketReducer?: BucketReducer | undefined;
}

export interface TrainingTotals {
  /** Global optimizer steps of the whole run. */
  steps: number;
  /** Hash of the final parameters and state. */
  paramHash: string;
  computeMs: number;
  commMs: number;
  /** From the first step of this process to its last. */
  trainMs: number;
  /** The last evaluation. */
  evaluation: EvaluationResult | undefined;
}

/** How long a run is, in the units the schedule and the loop need. */
export interface RunPlan {
  microBatchesPerEpoch: number;
  stepsPerEpoch: number;
  totalSteps: number;
  globalBatchSize: number;
}

export function planRun(config: RunConfig, sampler: DistributedSampler, worldSize: number): RunPlan {
  const microBatchesPerEpoch = sampler.numBatches(config.batchSize);
  const stepsPerEpoch = Math.ceil(microBatchesPerEpoch / config.accumSteps);
  return { microBatchesPerEpoch, stepsPerEpoch, totalSteps: stepsPerEpoch * config.epochs, globalBatchSize: config.batchSize * config.accumSteps * worldSize };
}

/** The LR of every global step: --lr (scaled by the linear rule when --scale-lr-batch is set) through --scheduler. */
export function scheduleOf(config: RunConfig, plan: RunPlan): LrSchedule {
  const lr = config.scaleLrBatch === undefined ? config.lr : linearScaledLr(config.lr, plan.globalBatchSize, config.scaleLrBatch);
  return buildSchedule(
    {
      lr,
      scheduler: config.scheduler,
      tMax: config.tMax,
      t0: config.t0,
      tMult: config.tMult,
      etaMin: config.etaMin,
      stepSize: config.stepSize,
      gamma: config.gamma,
      warmupSteps: config.warmupSteps,
      warmupStartFactor: config.warmupStartFactor,
    },
    { totalSteps: plan.totalSteps, stepsPerEpoch: plan.stepsPerEpoch },
  );
}

/**
 * Where the LR schedule stands at `position`: training progress in the planned run's steps, the epochs done plus
 * the samples of this epoch consumed over the planned global batch. In a run whose global batch is the planned one
 * (no reform, or one that accumulation absorbed) that is exactly the global step, as in PyTorch. When a reform had
 * to shrink the global batch, the run takes more steps than planned; counting them would run the schedule past its
 * end (a cosine would sit at eta_min for the rest of the run), so it follows the samples instead.
 */
export function scheduleStep(position: TrainingPosition, plan: RunPlan): number {
  return position.epoch * plan.stepsPerEpoch + Math.floor(position.consumed / plan.globalBatchSize);
}

/** A run's sampler for `worldSize` ranks whose shards begin `start` samples into each epoch's order. */
function samplerOf(config: RunConfig, dataset: Dataset, worldSize: number, rank: number, start = 0): DistributedSampler {
  return new DistributedSampler({ datasetSize: dataset.numTrain, worldSize, rank, shuffle: config.shuffle, seed: config.seed, dropLast: config.dropLast, start });
}

/** The buckets a step all-reduces, in launch order: the gradient's (last layers first), then the model state's if any. */
export function planStepBuckets(replica: Replica, config: RunConfig): Bucket[] {
  const nParams = replica.params.length;
  const buckets = planBuckets(replica.tensorSizes(), config.bucketMb * 2 ** 20);
  if (replica.state.length > 0) buckets.push({ start: nParams, end: nParams + replica.state.length });
  return buckets;
}

/**
 * Trains this generation's ring to the end of the last epoch and returns this rank's totals. The generation starts
 * from rank 0's state and position (its session's, or the resumed checkpoint), given to every rank by broadcast.
 */
export async function train(opts: TrainerOptions): Promise<TrainingTotals> {
  const { config, transport: t, dataset, hooks = {}, signal } = opts;
  const session = opts.session ?? new TrainingSession(config, dataset);
  const { replica } = session;
  const plannedWorld = opts.plannedWorldSize ?? t.worldSize;
  const plan = planRun(config, samplerOf(config, dataset, plannedWorld, 0), plannedWorld);
  const lrAt = scheduleOf(config, plan);
  const world = adaptToWorld(config.batchSize, config.accumSteps, plannedWorld, t.worldSize);
  const { accumSteps } = world;
  const comm = { timeoutMs: config.commTimeoutMs, signal };

  let position = session.position;
  if (opts.resume) {
    position = restoreCheckpoint(replica, opts.resume.checkpoint, opts.resume.file, { config });
    session.position = position; // where a reform during the first broadcast goes back to
  }
  // Rank 0 saves the model at the end: a --out it cannot write fails the run now, not after the training.
  if (t.rank === 0 && config.out !== undefined) await prepareModelDir(config.out, { fresh: position.step === 0 });
  position = await broadcastTrainingState(t, replica, position, comm);
  session.snapshots?.reset(replica, position);

  // The all-reduced vector: the gradient, then the model state (batchnorm statistics), averaged alongside so the
  // replicas' state stays identical too (for means that is exactly the moving average over the global batch).
  const nParams = replica.params.length;
  const { synced } = session;
  const grads = synced.subarray(0, nParams);
  const syncedState = synced.subarray(nParams);
  // Gradient buckets from the last layer back, then the model state in a bucket of its own: the state is known
  // only after the forward passes, the gradients one by one during the backward pass.
  const sizes = replica.tensorSizes();
  const tensors = replica.segments.map(({ offset }, i) => ({ start: offset, end: offset + sizes[i]! }));
  const buckets = planStepBuckets(replica, config);
  const sync = new GradientSync(t, synced, buckets, tensors, { wireDtype: config.wireDtype, ...comm, reducer: opts.bucketReducer });
  const accumulator = accumSteps > 1 ? new Accumulator(nParams, accumSteps) : undefined;
  const microGrads = accumulator ? new Float32Array(nParams) : grads;
  // With accumulation the last micro-batch's gradient of a tensor completes that tensor's mean: sum of the scaled
  // micro-batch gradients times accumSteps / (micro-batches in the window).
  const completeTensor = (index: number, rescale: number): void => {
    const { start, end } = tensors[index]!;
    if (accumulator) for (let i = start; i < end; i++) grads[i] = (accumulator.sum[i]! + microGrads[i]!) * rescale;
    sync.tensorReady(index);
  };
  const gatherer = new BatchGatherer(dataset.train, config.batchSize);
  const policy = { clipNorm: config.clipNorm, clipMode: config.clipMode, normType: config.clipNormType === 'inf' ? ('inf' as const) : (2 as const) };
  // Optimizer steps of a whole epoch in this world, for the run length the reports announce.
  const fullEpochSteps = Math.ceil(samplerOf(config, dataset, t.worldSize, t.rank).numBatches(config.batchSize) / accumSteps);

  const { totals } = session;
  let evaluation: EvaluationResult | undefined;
  session.trainStart ??= performance.now();

  /** Rank 0 writes one (with --checkpoint-dir): true if it did. */
  const checkpoint = async (): Promise<boolean> => {
    if (t.rank !== 0 || config.checkpointDir === undefined) return false;
    const path = join(config.checkpointDir, checkpointFileName(position.step));
    await writeCheckpoint(path, checkpointOf(replica, position, config, t.worldSize));
    hooks.onCheckpoint?.(path, position.step);
    return true;
  };

  // Consecutive steps' clocks tile the time line: a step's clock starts where the previous one's stopped, just
  // before its report, so what happens between two steps (the report's send, the loop) is in the next step's step_ms
  // and an epoch's step_ms add up to its training time (from its first step on), as a loop timed around forward,
  // backward and optimizer.step does. Checkpoints written and evaluations restart the clock: they are not a step's.
  let clockStopped: number | undefined;
  for (let epoch = position.epoch; epoch < config.epochs; epoch++) {
    // The rest of the epoch, split over this world from where the run stands in it.
    const sampler = samplerOf(config, dataset, t.worldSize, t.rank, epoch === position.epoch ? position.consumed : 0);
    sampler.setEpoch(epoch);
    const batches = sampler.batches(config.batchSize);
    const microBatches = sampler.numBatches(config.batchSize);
    const totalSteps = position.step + Math.ceil(microBatches / accumSteps) + (config.epochs - epoch - 1) * fullEpochSteps;
    let microIndex = 0;
    while (microIndex < microBatches) {
      if (signal?.aborted) throw new AbortedError('training stopped', { rank: t.rank, step: position.step });
      const stepStart = clockStopped ?? performance.now();
      await session.snapshots?.room(signal);
      // The last step of an epoch may have fewer micro-batches; the same number on every rank (equal shards).
      const micro = Math.min(accumSteps, microBatches - microIndex);
      const computeStart = performance.now();
      let lossSum = 0;
      let samples = 0;
      sync.begin(position.step);
      // Each micro-batch is scaled by 1/accumSteps; a short window is rescaled to the mean of what it holds.
      const rescale = accumSteps / micro;
      for (let m = 0; m < micro; m++) {
        await yieldToEventLoop();
        const batch = gatherer.gather(batches.next().value as Int32Array);
        const { xs, ys, dispose } = batchTensors(dataset, batch);
        // Only the last micro-batch communicates (DDP's no_sync), starting during its backward pass.
        const onReady = m === micro - 1 ? (index: number) => completeTensor(index, rescale) : undefined;
        try {
          lossSum += computeGradients(replica.model, xs, ys, microGrads, accumulator?.lossScale ?? 1, onReady).loss;
        } finally {
          dispose();
        }
        if (m < micro - 1) accumulator!.add(microGrads);
        samples += batch.size;
      }
      microIndex += micro;
      accumulator?.reset();
      replica.pullState(syncedState);
      // What is left of the communication after the backward pass: the part that did not overlap it.
      const commStart = performance.now();
      await sync.finish();
      const commEnd = performance.now();
      replica.state.set(syncedState);

      if (config.l2 > 0) addL2Penalty(grads, replica.params, config.l2);
      const gradNorm = clipGradients(policy, replica.params, grads, replica.segments);
      const lr = lrAt(scheduleStep(position, plan)) * world.lrFactor;
      replica.optimizer.step(replica.params, grads, lr);
      replica.pushToModel();
      const finished = position.step;
      position = { step: finished + 1, epoch, consumed: sampler.epochPosition };
      const computeMs = commStart - computeStart;
      totals.computeMs += computeMs;
      totals.commMs += commEnd - commStart;
      const isLast = epoch === config.epochs - 1 && microIndex === microBatches;
      const hashDue = isLast || (config.hashEvery > 0 && position.step % config.hashEvery === 0);
      const paramHash = hashDue ? replica.hash() : undefined;
      // The last step's checkpoint is written after the loop, with the run's end.
      const checkpointDue = config.checkpointDir !== undefined && config.checkpointEvery > 0 && position.step % config.checkpointEvery === 0 && !isLast;
      session.snapshots?.take(replica, position);
      clockStopped = performance.now();
      hooks.onStep?.({
        step: finished,
        epoch,
        loss: lossSum / micro,
        lr,
        gradNorm,
        samples,
        totalSteps,
        computeMs,
        commMs: commEnd - commStart,
        stepMs: clockStopped - stepStart,
        ...(paramHash !== undefined ? { paramHash } : {}),
        checkpointDue,
      });
      if (checkpointDue && (await checkpoint())) clockStopped = undefined;
    }
    clockStopped = undefined;
    position = { step: position.step, epoch: epoch + 1, consumed: 0 };
    evaluation = await evaluateTestSplit(t, replica.model, dataset, { step: position.step, ...comm });
    hooks.onEvaluation?.({ ...evaluation, step: position.step, epoch: epoch + 1 });
  }
  await checkpoint();
  const trainMs = performance.now() - session.trainStart;
  // The trained model for inference (the same parameters on every rank: rank 0's copy).
  if (t.rank === 0 && config.out !== undefined) hooks.onModelSaved?.(await writeModel(config.out, replica.model));
  session.position = position;
  return { steps: position.step, paramHash: replica.hash(), ...totals, trainMs, evaluation };
}
