// One run config from its sources: option defaults (some per optimizer) < config file < command-line flags.

import { TRAIN_OPTIONS, type OptionValue } from './option-specs.js';
import { checkOptionValue } from './option-values.js';
import { checkCrossField } from './cross-field-checks.js';
import type { OptimizerChoice, RunConfig } from './run-config.js';

/** The sources of a run config, lowest precedence first. Unset (undefined) entries leave the lower layer's value. */
export interface ConfigLayers {
  /** From loadConfigFile(`--config FILE`). */
  file?: Partial<RunConfig>;
  /** Options given on the command line. Must not include commander's implicit defaults, or they would hide the file's values. */
  flags?: Partial<RunConfig>;
}

/**
 * Defaults < file < flags, every value checked against its option, then the checks across options. Throws
 * InvalidArgumentError naming the option(s) at fault. Keys of the layers that are not options are ignored, so a
 * command's whole option object can be passed as `flags`.
 */
export function resolveConfig(layers: ConfigLayers = {}): RunConfig {
  const resolved: Record<string, OptionValue> = {};
  for (const spec of TRAIN_OPTIONS) {
    // The optimizer comes before the options whose defaults depend on it (lr, weight decay) in TRAIN_OPTIONS.
    const fallback = spec.defaultByOptimizer?.[resolved.optimizer as OptimizerChoice] ?? spec.defaultValue;
    const value = layers.flags?.[spec.key] ?? layers.file?.[spec.key] ?? fallback;
    if (value !== undefined) resolved[spec.key] = checkOptionValue(spec, value);
  }
  // Every option was checked against its spec above, and options without a default are the optional fields.
  const config = resolved as unknown as RunConfig;
  checkCrossField(config);
  return config;
}
