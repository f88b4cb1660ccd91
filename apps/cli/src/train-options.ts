// TRAIN OPTIONS on the command line: every option of @ringtrain/config's table becomes a flag, plus
// `--config FILE`. The run config is defaults < file < flags; only flags the user typed count (commander's
// implicit values, such as `shuffle: true` for `--no-shuffle`, would otherwise hide the file's).

import { Option, type Command } from 'commander';
import { loadConfigFile, parseOptionText, resolveConfig, TRAIN_OPTIONS, type RunConfig } from '@ringtrain/config';

/** Adds `--config FILE` and every training option to `cmd`. */
export function addTrainOptions(cmd: Command): Command {
  cmd.addOption(new Option('--config <FILE>', 'YAML or JSON file with the same keys as these flags (flags override it)'));
  for (const spec of TRAIN_OPTIONS) {
    const shown = spec.defaultValue === undefined || spec.kind === 'boolean' ? '' : ` (default: ${String(spec.defaultValue)})`;
    const option = new Option(spec.valueName ? `${spec.flag} <${spec.valueName}>` : spec.flag, `${spec.description}${shown}`);
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
 * The resolved run config of a command that called addTrainOptions. `defaults` replace the options' own defaults
 * (a config file and flags still win over them). Throws InvalidArgumentError naming the culprit.
 */
export async function trainConfig(cmd: Command, defaults: Partial<RunConfig> = {}): Promise<RunConfig> {
  const values = cmd.opts<Record<string, unknown>>();
  const file = { ...defaults, ...(typeof values.config === 'string' ? await loadConfigFile(values.config) : {}) };
  const flags: Record<string, unknown> = {};
  for (const spec of TRAIN_OPTIONS) {
    const source = cmd.getOptionValueSource(spec.key);
    if (source === 'cli' || source === 'env') flags[spec.key] = values[spec.key];
  }
  return resolveConfig({ file, flags: flags as Partial<RunConfig> });
}
