// TRAIN OPTIONS on the command line: every option of @ringtrain/config's table becomes a flag, plus
// `--config FILE`. The run config is defaults < file < flags; only flags the user typed count (commander's
// implicit values, such as `shuffle: true` for `--no-shuffle`, would otherwise hide the file's).

import { Option, type Command } from 'commander';
import { defaultText, loadConfigFile, parseOptionText, resolveConfig, TRAIN_OPTIONS, type RunConfig } from '@ringtrain/config';

/** How a command tailors the training options to itself. */
export interface TrainOptionsTailoring {
  /** Defaults in place of the options' own (a config file and flags still win over them); shown in the help. */
  defaults?: Partial<RunConfig>;
  /** Help texts in place of the options' own, where an option means more in this command. */
  descriptions?: Partial<Record<keyof RunConfig, string>>;
}

/** The defaults each command's addTrainOptions was given, for its trainConfig. */
const commandDefaults = new WeakMap<Command, Partial<RunConfig>>();

/** Adds `--config FILE` and every training option to `cmd`. */
export function addTrainOptions(cmd: Command, { defaults = {}, descriptions = {} }: TrainOptionsTailoring = {}): Command {
  commandDefaults.set(cmd, defaults);
  cmd.addOption(new Option('--config <FILE>', 'YAML or JSON file with the same keys as these flags (flags override it)'));
  for (const spec of TRAIN_OPTIONS) {
    const ownDefault = defaults[spec.key];
    const defaultValue = ownDefault === undefined ? defaultText(spec) : String(ownDefault);
    const shown = defaultValue === undefined || spec.kind === 'boolean' ? '' : ` (default: ${defaultValue})`;
    const option = new Option(spec.valueName ? `${spec.flag} <${spec.valueName}>` : spec.flag, `${descriptions[spec.key] ?? spec.description}${shown}`);
    if (spec.valueName) option.argParser((text) => parseOptionText(spec, text));
    if (spec.key === 'token') option.env('RINGTRAIN_TOKEN');
    cmd.addOption(option);
    // A negated flag's positive form is accepted, unlisted: it names the default, and `--unix-sockets` was the flag
    // before Unix sockets became the default, so scripts that pass it keep working.
    if (spec.kind === 'boolean' && spec.flag.startsWith('--no-')) cmd.addOption(new Option(`--${spec.flag.slice('--no-'.length)}`).hideHelp());
  }
  return cmd;
}

/**
 * The resolved run config of a command that called addTrainOptions: defaults (the command's, else the options')
 * < config file < flags. Throws InvalidArgumentError naming the culprit.
 */
export async function trainConfig(cmd: Command): Promise<RunConfig> {
  const values = cmd.opts<Record<string, unknown>>();
  const file = { ...commandDefaults.get(cmd), ...(typeof values.config === 'string' ? await loadConfigFile(values.config) : {}) };
  const flags: Record<string, unknown> = {};
  for (const spec of TRAIN_OPTIONS) {
    const source = cmd.getOptionValueSource(spec.key);
    if (source === 'cli' || source === 'env') flags[spec.key] = values[spec.key];
  }
  return resolveConfig({ file, flags: flags as Partial<RunConfig> });
}
