// The one table of training options. The CLI registers its flags from it, config files use the same names, the
// README options table is generated from it, and resolveConfig takes its defaults from it.

import {
  BACKEND_NAMES,
  BLAS_NAMES,
  CLIP_MODES,
  CLIP_NORM_TYPES,
  MODEL_NAMES,
  OPTIMIZER_NAMES,
  SCHEDULER_NAMES,
  WIRE_DTYPES,
  type OptimizerChoice,
  type OptionKey,
  type RunConfig,
} from './run-config.js';

/** How an option's value is written and checked. */
export type OptionKind = 'integer' | 'number' | 'string' | 'boolean' | 'choice';

/** 'run': the same on every node and covered by the config hash. 'node': may differ between nodes (paths, secrets, hardware). */
export type OptionScope = 'run' | 'node';

/** Any option's value. */
export type OptionValue = number | string | boolean;

interface OptionSpecOf<K extends OptionKey> {
  readonly key: K;
  /** The command-line flag: `--batch-size`; `--no-shuffle` for a boolean that defaults to true. */
  readonly flag: `--${string}`;
  /** The value placeholder in --help (`--batch-size N`); absent for boolean flags, which take no value. */
  readonly valueName?: string;
  /** One line for --help and the README table. */
  readonly description: string;
  /** Absent when the option has no default (unset means "derived" or "off", see RunConfig). */
  readonly defaultValue?: RunConfig[K];
  /**
   * Defaults of particular optimizers in place of defaultValue, as torch.optim's classes differ in theirs (SGD takes
   * the LR it is given, AdamW defaults to lr 1e-3 and weight_decay 1e-2).
   */
  readonly defaultByOptimizer?: Partial<Record<OptimizerChoice, RunConfig[K]>>;
  readonly scope: OptionScope;
  readonly kind: OptionKind;
  /** The allowed values of a 'choice' option. */
  readonly choices?: readonly NonNullable<RunConfig[K]>[];
  /** Range of a numeric option: min/max are inclusive unless minExclusive/maxExclusive. */
  readonly min?: number;
  readonly max?: number;
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
}

/** One training option: its key, flag, help text, default, scope and the values it accepts. */
export type OptionSpec = { [K in OptionKey]-?: OptionSpecOf<K> }[OptionKey];

// Value kinds and ranges shared by several options. [0, 1) is PyTorch's range of momentum and Adam's betas.
const integerFrom = (min: number) => ({ kind: 'integer', valueName: 'N', min }) as const;
const NON_NEGATIVE = { kind: 'number', min: 0 } as const;
const POSITIVE = { kind: 'number', min: 0, minExclusive: true } as const;
const BELOW_ONE = { kind: 'number', min: 0, max: 1, maxExclusive: true } as const;

/** Every training option, in --help order. */
export const TRAIN_OPTIONS: readonly OptionSpec[] = [
  { key: 'model', flag: '--model', kind: 'choice', choices: MODEL_NAMES, valueName: 'NAME', defaultValue: 'mlp', scope: 'run',
    description: 'network to train' },
  { key: 'dataset', flag: '--dataset', kind: 'string', valueName: 'SPEC', defaultValue: 'mnist', scope: 'run',
    description: 'data set: mnist, idx:DIR, shapes or synthetic' },
  { key: 'epochs', flag: '--epochs', ...integerFrom(1), defaultValue: 3, scope: 'run',
    description: 'passes over the training set' },
  { key: 'batchSize', flag: '--batch-size', ...integerFrom(1), defaultValue: 32, scope: 'run',
    description: 'samples per worker per micro-batch' },
  { key: 'accumSteps', flag: '--accum-steps', ...integerFrom(1), defaultValue: 1, scope: 'run',
    description: 'micro-batches accumulated per optimizer step' },
  { key: 'optimizer', flag: '--optimizer', kind: 'choice', choices: OPTIMIZER_NAMES, valueName: 'NAME', defaultValue: 'sgd', scope: 'run',
    description: 'optimizer, as torch.optim.SGD / AdamW' },
  { key: 'lr', flag: '--lr', ...NON_NEGATIVE, valueName: 'LR', defaultValue: 0.1, defaultByOptimizer: { adamw: 0.001 }, scope: 'run',
    description: 'base learning rate' },
  { key: 'momentum', flag: '--momentum', ...BELOW_ONE, valueName: 'M', defaultValue: 0.9, scope: 'run',
    description: 'SGD momentum' },
  { key: 'dampening', flag: '--dampening', ...NON_NEGATIVE, valueName: 'D', defaultValue: 0, scope: 'run',
    description: 'SGD dampening of the momentum buffer' },
  { key: 'nesterov', flag: '--nesterov', kind: 'boolean', defaultValue: false, scope: 'run',
    description: 'SGD Nesterov momentum (needs momentum > 0, dampening 0)' },
  { key: 'weightDecay', flag: '--weight-decay', ...NON_NEGATIVE, valueName: 'WD', defaultValue: 0, defaultByOptimizer: { adamw: 0.01 }, scope: 'run',
    description: 'weight decay: coupled for SGD, decoupled for AdamW, as PyTorch' },
  { key: 'l2', flag: '--l2', ...NON_NEGATIVE, valueName: 'C', defaultValue: 0, scope: 'run',
    description: 'L2 penalty: adds C·param to the gradient before the optimizer' },
  { key: 'adamBeta1', flag: '--adam-beta1', ...BELOW_ONE, valueName: 'B1', defaultValue: 0.9, scope: 'run',
    description: 'AdamW beta1' },
  { key: 'adamBeta2', flag: '--adam-beta2', ...BELOW_ONE, valueName: 'B2', defaultValue: 0.999, scope: 'run',
    description: 'AdamW beta2' },
  { key: 'adamEps', flag: '--adam-eps', ...NON_NEGATIVE, valueName: 'EPS', defaultValue: 1e-8, scope: 'run',
    description: 'AdamW epsilon' },
  { key: 'scheduler', flag: '--scheduler', kind: 'choice', choices: SCHEDULER_NAMES, valueName: 'NAME', defaultValue: 'cosine',
    scope: 'run', description: 'learning-rate schedule over optimizer steps' },
  { key: 'tMax', flag: '--t-max', ...integerFrom(1), scope: 'run',
    description: "cosine period in steps (default: the run's steps after warmup)" },
  { key: 't0', flag: '--t0', ...integerFrom(1), scope: 'run',
    description: "first cosine-restarts period in steps (default: one epoch's steps)" },
  { key: 'tMult', flag: '--t-mult', ...integerFrom(1), defaultValue: 1, scope: 'run',
    description: 'growth factor of cosine-restarts periods' },
  { key: 'etaMin', flag: '--eta-min', ...NON_NEGATIVE, valueName: 'LR', defaultValue: 0, scope: 'run',
    description: 'LR that cosine schedules anneal to' },
  { key: 'stepSize', flag: '--step-size', ...integerFrom(1), scope: 'run',
    description: 'steps between decays of --scheduler step (required by it)' },
  { key: 'gamma', flag: '--gamma', ...POSITIVE, valueName: 'G', defaultValue: 0.1, scope: 'run',
    description: 'LR decay factor of --scheduler step' },
  { key: 'warmupSteps', flag: '--warmup-steps', ...integerFrom(0), defaultValue: 0, scope: 'run',
    description: 'linear LR warmup steps before the schedule' },
  { key: 'warmupStartFactor', flag: '--warmup-start-factor', kind: 'number', min: 0, minExclusive: true, max: 1, valueName: 'F',
    defaultValue: 1 / 3, scope: 'run', description: 'warmup starts at this fraction of the LR' },
  { key: 'scaleLrBatch', flag: '--scale-lr-batch', ...integerFrom(1), scope: 'run',
    description: 'scale the LR by global batch / N (linear scaling rule; default off)' },
  { key: 'clipNorm', flag: '--clip-norm', ...POSITIVE, valueName: 'X', scope: 'run',
    description: 'clip the averaged gradient at X, see --clip-mode (default off)' },
  { key: 'clipMode', flag: '--clip-mode', kind: 'choice', choices: CLIP_MODES, valueName: 'MODE', defaultValue: 'norm', scope: 'run',
    description: 'what --clip-norm bounds: the global norm, per-unit ratios (agc), each value' },
  { key: 'clipNormType', flag: '--clip-norm-type', kind: 'choice', choices: CLIP_NORM_TYPES, valueName: 'P', defaultValue: '2',
    scope: 'run', description: 'the norm of --clip-mode norm: 2 or inf' },
  { key: 'seed', flag: '--seed', kind: 'integer', min: 0, max: 2 ** 32, maxExclusive: true, valueName: 'S', defaultValue: 0,
    scope: 'run', description: 'seed of weight init and data shuffling' },
  { key: 'shuffle', flag: '--no-shuffle', kind: 'boolean', defaultValue: true, scope: 'run',
    description: 'keep the data order instead of reshuffling every epoch' },
  { key: 'dropLast', flag: '--drop-last', kind: 'boolean', defaultValue: false, scope: 'run',
    description: 'drop the uneven tail of the data set instead of padding' },
  { key: 'bucketMb', flag: '--bucket-mb', ...POSITIVE, valueName: 'MIB', defaultValue: 25, scope: 'run',
    description: 'gradient bucket size of the fused all-reduce, in MiB' },
  { key: 'commThread', flag: '--comm-thread', kind: 'boolean', defaultValue: false, scope: 'run',
    description: 'average gradient buckets on a thread of each worker, during the backward pass' },
  { key: 'wireDtype', flag: '--wire-dtype', kind: 'choice', choices: WIRE_DTYPES, valueName: 'DTYPE', defaultValue: 'float32',
    scope: 'run', description: 'gradient element type on the wire' },
  { key: 'hashEvery', flag: '--hash-every', ...integerFrom(0), defaultValue: 50, scope: 'run',
    description: 'steps between parameter-hash checks (0: at the end only)' },
  { key: 'logEvery', flag: '--log-every', ...integerFrom(1), defaultValue: 10, scope: 'run',
    description: 'steps between progress log lines (metrics.jsonl records every step)' },
  { key: 'commTimeoutMs', flag: '--comm-timeout-ms', kind: 'integer', min: 1, valueName: 'MS', defaultValue: 60000, scope: 'run',
    description: 'deadline of every network wait' },
  { key: 'backend', flag: '--backend', kind: 'choice', choices: BACKEND_NAMES, valueName: 'NAME', defaultValue: 'auto', scope: 'node',
    description: 'tfjs compute backend' },
  { key: 'blas', flag: '--blas', kind: 'choice', choices: BLAS_NAMES, valueName: 'NAME', defaultValue: 'auto', scope: 'node',
    description: "wasm backend's matrix products: native (host BLAS), off (XNNPACK), auto" },
  { key: 'checkpointDir', flag: '--checkpoint-dir', kind: 'string', valueName: 'DIR', scope: 'node',
    description: 'directory for checkpoints (default: none)' },
  { key: 'checkpointEvery', flag: '--checkpoint-every', ...integerFrom(0), defaultValue: 0, scope: 'run',
    description: 'steps between checkpoints (0: at the end only)' },
  { key: 'resume', flag: '--resume', kind: 'string', valueName: 'PATH', scope: 'node',
    description: 'resume from a checkpoint file, or the latest one in a directory' },
  { key: 'out', flag: '--out', kind: 'string', valueName: 'DIR', scope: 'node',
    description: 'directory for summary.json, metrics.jsonl and the trained model (model/)' },
  { key: 'token', flag: '--token', kind: 'string', valueName: 'TOKEN', scope: 'node',
    description: 'shared secret of the cluster (default: env RINGTRAIN_TOKEN)' },
  { key: 'tlsCert', flag: '--tls-cert', kind: 'string', valueName: 'FILE', scope: 'node',
    description: "TLS on both planes: this node's certificate (PEM; needs --tls-key)" },
  { key: 'tlsKey', flag: '--tls-key', kind: 'string', valueName: 'FILE', scope: 'node',
    description: "the certificate's private key (PEM)" },
  { key: 'tlsCa', flag: '--tls-ca', kind: 'string', valueName: 'FILE', scope: 'node',
    description: "CA that peers' certificates must chain to (PEM; default: the system's CAs)" },
  { key: 'unixSockets', flag: '--no-unix-sockets', kind: 'boolean', defaultValue: true, scope: 'node',
    description: 'link to data-plane peers on this machine over TCP, not over Unix sockets (Linux)' },
  { key: 'sharedMemory', flag: '--no-shared-memory', kind: 'boolean', defaultValue: true, scope: 'node',
    description: 'Unix socket links carry their payloads, not shared memory (Linux)' },
];

/**
 * The option's name in config files and summary.json: its key in kebab case, which is its flag without `--`
 * (`batch-size`) or, for a negated boolean flag, the positive name (`shuffle`, set to false by `--no-shuffle`).
 */
export function optionName(spec: OptionSpec): string {
  return spec.key.replace(/[A-Z]/g, (upper) => `-${upper.toLowerCase()}`);
}

/**
 * An option's default as --help and the README show it: `0.1`, and other optimizers' own after it,
 * `0.1 (adamw: 0.001)`; undefined when it has none.
 */
export function defaultText(spec: OptionSpec): string | undefined {
  if (spec.defaultValue === undefined) return undefined;
  const others = Object.entries(spec.defaultByOptimizer ?? {}).map(([optimizer, value]) => `${optimizer}: ${String(value)}`);
  return others.length === 0 ? String(spec.defaultValue) : `${String(spec.defaultValue)} (${others.join(', ')})`;
}
