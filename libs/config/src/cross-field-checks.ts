// Checks that involve more than one option. Each value was already checked on its own; these catch combinations
// that cannot work or that silently do nothing. Only run options take part, so a config passes or fails them the
// same way on every node.

import { InvalidArgumentError } from '@ringtrain/common';
import { TRAIN_OPTIONS, type OptionSpec } from './option-specs.js';
import type { OptionKey, RunConfig } from './run-config.js';

/**
 * Options that only act under a setting of another option. Given a non-default value without that setting they
 * would do nothing, which is almost always a mistake (`--t-max 500` without `--scheduler cosine` trains at a
 * constant LR), so they are refused, naming both options.
 */
const ONLY_ACT_WITH: readonly { keys: readonly OptionKey[]; setting: string; holds: (config: RunConfig) => boolean }[] = [
  { keys: ['momentum', 'dampening', 'nesterov'], setting: '--optimizer sgd', holds: (c) => c.optimizer === 'sgd' },
  { keys: ['adamBeta1', 'adamBeta2', 'adamEps'], setting: '--optimizer adamw', holds: (c) => c.optimizer === 'adamw' },
  { keys: ['tMax'], setting: '--scheduler cosine', holds: (c) => c.scheduler === 'cosine' },
  { keys: ['t0', 'tMult'], setting: '--scheduler cosine-restarts', holds: (c) => c.scheduler === 'cosine-restarts' },
  {
    keys: ['etaMin'],
    setting: '--scheduler cosine or cosine-restarts',
    holds: (c) => c.scheduler === 'cosine' || c.scheduler === 'cosine-restarts',
  },
  { keys: ['stepSize', 'gamma'], setting: '--scheduler step', holds: (c) => c.scheduler === 'step' },
  { keys: ['warmupStartFactor'], setting: '--warmup-steps > 0', holds: (c) => c.warmupSteps > 0 },
  { keys: ['clipMode', 'clipNormType'], setting: '--clip-norm', holds: (c) => c.clipNorm !== undefined },
  { keys: ['clipNormType'], setting: '--clip-mode norm', holds: (c) => c.clipMode === 'norm' },
];

const SPECS_BY_KEY = new Map(TRAIN_OPTIONS.map((spec) => [spec.key, spec]));

function fail(subject: string, detail: string): never {
  throw new InvalidArgumentError(detail, { subject });
}

/** The option as it would be typed: `--t-max 500`, `--nesterov`. */
function asTyped(spec: OptionSpec, value: unknown): string {
  return spec.kind === 'boolean' ? spec.flag : `${spec.flag} ${String(value)}`;
}

/** Throws InvalidArgumentError, naming the options involved, when options of `config` contradict each other. */
export function checkCrossField(config: RunConfig): void {
  if (config.scheduler === 'step' && config.stepSize === undefined) fail('--step-size', '--scheduler step needs --step-size');
  // torch.optim.SGD's rule: Nesterov's look-ahead is only defined for an undamped, non-zero momentum.
  if (config.optimizer === 'sgd' && config.nesterov && (config.momentum <= 0 || config.dampening !== 0)) {
    const got = `--momentum ${config.momentum} and --dampening ${config.dampening}`;
    fail('--nesterov', `--nesterov needs --momentum > 0 and --dampening 0, got ${got}`);
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) fail('--tls-cert', '--tls-cert and --tls-key go together');
  if (config.tlsCa !== undefined && config.tlsCert === undefined) fail('--tls-ca', '--tls-ca has no effect without --tls-cert and --tls-key');
  for (const { keys, setting, holds } of ONLY_ACT_WITH) {
    if (holds(config)) continue;
    for (const key of keys) {
      const spec = SPECS_BY_KEY.get(key)!;
      const value = config[key];
      if (value !== undefined && value !== spec.defaultValue) {
        fail(spec.flag, `${asTyped(spec, value)} has no effect without ${setting}`);
      }
    }
  }
}
