// @ringtrain/worker: the worker runtime. runWorker is one worker process from rendezvous to exit; train is the
// training loop over any Transport (the in-memory one in tests); the checkpoint format and the step's pieces
// (gradient buckets, clipping policy, parameter hash) are exported for tools and tests.

export { boundTo, runWorker, type WorkerOptions } from './run-worker.js';
export { train, planRun, scheduleOf, type RunPlan, type StepReport, type TrainerHooks, type TrainerOptions, type TrainingTotals } from './trainer.js';
export { ControlClient, type ControlClientOptions } from './control-client.js';
export { planBuckets, type Bucket } from './gradient-buckets.js';
export { GradientSync, type GradientSyncOptions, type TensorRange } from './gradient-sync.js';
export { clipGradients, type ClipPolicy } from './gradient-clipping.js';
export { hashFloat32 } from './param-hash.js';
export type { EvaluationResult } from './sharded-evaluation.js';
export type { TrainingPosition } from './state-broadcast.js';
export type { Checkpoint, CheckpointOptimizerState } from './checkpoint/checkpoint.js';
export { readCheckpoint } from './checkpoint/read.js';
export { writeCheckpoint } from './checkpoint/write.js';
export { checkpointFileName, latestCheckpoint, pruneCheckpoints, resolveResumePath } from './checkpoint/files.js';
