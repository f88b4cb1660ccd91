// The run config: every training option, by its camelCase key. Flags, config-file keys and summary.json use the
// kebab-case spelling of the same names (`batchSize` <-> `--batch-size` <-> `batch-size:`). option-specs.ts holds
// each option's flag, default and range; the TSDoc here is the public documentation of what the options mean.

export const MODEL_NAMES = ['mlp', 'linear', 'cnn'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export const OPTIMIZER_NAMES = ['sgd', 'adamw'] as const;
export type OptimizerChoice = (typeof OPTIMIZER_NAMES)[number];

export const SCHEDULER_NAMES = ['constant', 'cosine', 'cosine-restarts', 'step'] as const;
export type SchedulerChoice = (typeof SCHEDULER_NAMES)[number];

export const CLIP_MODES = ['norm', 'agc', 'value'] as const;
export type ClipMode = (typeof CLIP_MODES)[number];

export const CLIP_NORM_TYPES = ['2', 'inf'] as const;
export type ClipNormType = (typeof CLIP_NORM_TYPES)[number];

export const WIRE_DTYPES = ['float32', 'float16'] as const;
export type WireDtype = (typeof WIRE_DTYPES)[number];

export const BACKEND_NAMES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_NAMES)[number];

export const BLAS_NAMES = ['auto', 'native', 'off'] as const;
export type BlasChoice = (typeof BLAS_NAMES)[number];

/**
 * Every option of a training run. Fields without a default are optional. All fields are "run" options, identical on
 * every node and covered by the config hash, except the node options `backend`, `blas`, `checkpointDir`, `resume`, `out` and
 * `token`, which may differ between nodes. Options that only act under a setting of another one (momentum under
 * `--optimizer sgd`, tMax under `--scheduler cosine`, clipMode under `--clip-norm`, ...) keep their defaults
 * otherwise: resolveConfig refuses a non-default value that would do nothing.
 */
export interface RunConfig {
  /** `--model`: the network to train. Default `mlp`. */
  model: ModelName;
  /** `--dataset`: the data set spec: `mnist`, `idx:DIR` (IDX files in DIR), `shapes` or `synthetic`. Default `mnist`. */
  dataset: string;
  /** `--epochs`: passes over the training set, integer >= 1. Default 3. */
  epochs: number;
  /**
   * `--batch-size`: samples per worker per micro-batch, integer >= 1; the global batch is
   * batchSize·accumSteps·worldSize. Default 32.
   */
  batchSize: number;
  /**
   * `--accum-steps`: micro-batches accumulated per optimizer step (only the last one communicates, like DDP's
   * no_sync), integer >= 1. Default 1.
   */
  accumSteps: number;
  /** `--optimizer`: `sgd` (torch.optim.SGD) or `adamw` (torch.optim.AdamW). Default `sgd`. */
  optimizer: OptimizerChoice;
  /** `--lr`: base learning rate, >= 0; the schedule and `scaleLrBatch` act on it. Default 0.1 (AdamW: 0.001). */
  lr: number;
  /** `--momentum`: SGD momentum μ in [0, 1). Default 0.9. */
  momentum: number;
  /** `--dampening`: SGD dampening τ >= 0: the buffer update is b = μ·b + (1 - τ)·g. Default 0. */
  dampening: number;
  /** `--nesterov`: SGD Nesterov momentum; needs momentum > 0 and dampening 0, as in PyTorch. Default false. */
  nesterov: boolean;
  /** `--weight-decay`: λ >= 0; coupled (g + λ·p) for SGD, decoupled (p·(1 - lr·λ)) for AdamW, as PyTorch does it. Default 0 (AdamW: 0.01). */
  weightDecay: number;
  /**
   * `--l2`: an L2 penalty c >= 0 added to the gradient (g + c·p) before any optimizer, unlike AdamW's decoupled weight
   * decay. Default 0.
   */
  l2: number;
  /** `--adam-beta1`: AdamW β1 in [0, 1). Default 0.9. */
  adamBeta1: number;
  /** `--adam-beta2`: AdamW β2 in [0, 1). Default 0.999. */
  adamBeta2: number;
  /** `--adam-eps`: AdamW ε >= 0, added to the denominator. Default 1e-8. */
  adamEps: number;
  /**
   * `--scheduler`: the LR schedule over optimizer steps: `constant`, `cosine`, `cosine-restarts` (SGDR) or `step`.
   * Default `cosine` (one anneal over the whole run, as the YOLOv7 write-up trains).
   */
  scheduler: SchedulerChoice;
  /** `--t-max`: cosine period in steps, integer >= 1. Default: the run's optimizer steps after warmup, so the LR anneals once. */
  tMax?: number;
  /** `--t0`: first cosine-restarts period in steps, integer >= 1. Default: one epoch's optimizer steps. */
  t0?: number;
  /** `--t-mult`: factor by which each cosine-restarts period grows, integer >= 1. Default 1. */
  tMult: number;
  /** `--eta-min`: the LR that cosine schedules anneal to, >= 0. Default 0. */
  etaMin: number;
  /**
   * `--step-size`: the step scheduler multiplies the LR by gamma every stepSize optimizer steps, integer >= 1.
   * Required by `--scheduler step`.
   */
  stepSize?: number;
  /** `--gamma`: the step scheduler's decay factor, > 0. Default 0.1. */
  gamma: number;
  /**
   * `--warmup-steps`: linear warmup length in optimizer steps before the schedule starts, integer >= 0; 0 disables
   * warmup. Default 0.
   */
  warmupSteps: number;
  /**
   * `--warmup-start-factor`: warmup starts at this fraction of the LR, in (0, 1] (torch LinearLR's start_factor).
   * Default 1/3.
   */
  warmupStartFactor: number;
  /**
   * `--scale-lr-batch`: when set, the linear scaling rule (Goyal et al. 2017): lr·globalBatch/scaleLrBatch, where
   * globalBatch = batchSize·accumSteps·world size. Integer >= 1. Default: unset, no scaling.
   */
  scaleLrBatch?: number;
  /** `--clip-norm`: clip the averaged gradient at this threshold (see `clipMode`), > 0. Default: unset, no clipping. */
  clipNorm?: number;
  /**
   * `--clip-mode`: what `clipNorm` bounds: `norm` the global gradient norm (torch clip_grad_norm_), `agc` each unit's
   * gradient-to-weight norm ratio (adaptive gradient clipping, timm), `value` each element (torch clip_grad_value_).
   * Default `norm`.
   */
  clipMode: ClipMode;
  /** `--clip-norm-type`: the norm `clipMode` `norm` measures: `2` (Euclidean) or `inf` (max abs). Default `2`. */
  clipNormType: ClipNormType;
  /** `--seed`: seed of weight init and data shuffling, integer in [0, 2^32). Default 0. */
  seed: number;
  /** `--no-shuffle` sets this false: reshuffle the data every epoch (seed + epoch), as DistributedSampler does. Default true. */
  shuffle: boolean;
  /**
   * `--drop-last`: drop the tail of the data set that does not fill every rank equally, instead of padding by
   * repetition. Default false.
   */
  dropLast: boolean;
  /** `--bucket-mb`: gradient bucket size in MiB for the fused all-reduce, > 0. Default 25, as DDP's bucket_cap_mb. */
  bucketMb: number;
  /**
   * `--comm-thread`: each worker averages its gradient buckets on a communication thread of its own (with a data
   * plane of its own), so a bucket's ring runs while the backward pass computes the next gradients (DDP's and
   * Horovod's background thread). Off: the ring runs on the main thread, which advances it only between tfjs's
   * synchronous passes. Same results bit for bit either way. Default false (README "Training step benchmark").
   */
  commThread: boolean;
  /** `--wire-dtype`: gradients on the wire as `float32` or `float16` (half the bytes, rounded). Default `float32`. */
  wireDtype: WireDtype;
  /**
   * `--hash-every`: optimizer steps between parameter-hash consistency checks across ranks, integer >= 0; 0 checks at
   * the end only. Default 50.
   */
  hashEvery: number;
  /** `--log-every`: optimizer steps between progress log lines and metrics.jsonl records, integer >= 1. Default 10. */
  logEvery: number;
  /** `--comm-timeout-ms`: deadline of every network wait in milliseconds, integer >= 1. Default 60000. */
  commTimeoutMs: number;
  /** `--backend` (node option): the tfjs compute backend; `auto` takes the fastest one installed. Default `auto`. */
  backend: BackendChoice;
  /**
   * `--blas` (node option): where the wasm backend's matrix products run: `native` on the host's BLAS (OpenBLAS or
   * another CBLAS, through @ringtrain/native-blas), `off` on XNNPACK, `auto` native when it loads. Default `auto`.
   */
  blas: BlasChoice;
  /** `--checkpoint-dir` (node option): directory for checkpoints. Default: unset, no checkpoints. */
  checkpointDir?: string;
  /** `--checkpoint-every`: optimizer steps between checkpoints, integer >= 0; 0 writes one at the end only. Default 0. */
  checkpointEvery: number;
  /** `--resume` (node option): a checkpoint file, or a directory to resume from its latest checkpoint. */
  resume?: string;
  /** `--out` (node option): directory that receives summary.json and metrics.jsonl. */
  out?: string;
  /** `--token` (node option): the cluster's shared secret; the CLI falls back to env RINGTRAIN_TOKEN. Never written to disk. */
  token?: string;
  /**
   * `--tls-cert` (node option): PEM file of this node's certificate. With `--tls-key`, the coordinator and every
   * data-plane listener serve TLS (wss), and workers connect with TLS; every node of a run must set it.
   */
  tlsCert?: string;
  /** `--tls-key` (node option): PEM file of the certificate's private key. */
  tlsKey?: string;
  /** `--tls-ca` (node option): PEM file of the CA the peers' certificates must chain to; default the system's CAs. */
  tlsCa?: string;
  /**
   * `--no-unix-sockets` (node option) sets this false: data-plane links to peers on the same machine use Unix
   * domain sockets instead of TCP on loopback (Linux only, where a Unix socket can get a 4 MiB send buffer, and only
   * in runs with a token, which `launch` always has; the framing, token check and TLS are the same either way).
   * Default true: both the all-reduce benchmark and training steps are faster over them (README, "Training step
   * benchmark").
   */
  unixSockets: boolean;
  /**
   * `--no-shared-memory` (node option) sets this false: over a Unix socket link, payloads of 64 KiB to 4 MiB go
   * through slots of memory the two workers share, the socket carrying only their announcements (one copy per
   * payload instead of two; README, "All-reduce benchmark"). Takes effect only with Unix socket links and without
   * TLS; a worker whose native addon did not build says why and uses the socket. Default true.
   */
  sharedMemory: boolean;
}

/** A RunConfig key: the camelCase name of a training option. */
export type OptionKey = keyof RunConfig;
