// @ringtrain/config: the training options (flags, defaults, ranges, docs) in one table, config files with the
// same names, and the resolved run config with its hash.

export {
  BACKEND_NAMES,
  BLAS_NAMES,
  CLIP_MODES,
  CLIP_NORM_TYPES,
  MODEL_NAMES,
  OPTIMIZER_NAMES,
  SCHEDULER_NAMES,
  WIRE_DTYPES,
  type BackendChoice,
  type BlasChoice,
  type ClipMode,
  type ClipNormType,
  type ModelName,
  type OptimizerChoice,
  type OptionKey,
  type RunConfig,
  type SchedulerChoice,
  type WireDtype,
} from './run-config.js';
export { defaultText, optionName, TRAIN_OPTIONS, type OptionKind, type OptionScope, type OptionSpec, type OptionValue } from './option-specs.js';
export { checkOptionValue, describeAccepted, parseOptionText } from './option-values.js';
export { loadConfigFile } from './config-file.js';
export { resolveConfig, type ConfigLayers } from './resolve-config.js';
export { configHash, formatConfig, toConfigFile } from './config-output.js';
export { optionsMarkdownTable } from './options-table.js';
export { loadTlsFiles, type TlsFiles } from './tls-material.js';
