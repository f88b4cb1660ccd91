// The README's options table, generated from the option table so the docs cannot drift from the flags
// (a test compares the README's copy with this).

import { defaultText, TRAIN_OPTIONS } from './option-specs.js';
import { describeAccepted } from './option-values.js';

/** Markdown rows: flag, config-file key scope, default, accepted values, meaning. */
export function optionsMarkdownTable(): string {
  const rows = TRAIN_OPTIONS.map((spec) => {
    const flag = spec.valueName ? `\`${spec.flag} ${spec.valueName}\`` : `\`${spec.flag}\``;
    const text = defaultText(spec);
    const fallback = text === undefined ? '-' : `\`${text}\``;
    return `| ${flag} | ${spec.scope} | ${fallback} | ${describeAccepted(spec)} | ${spec.description} |`;
  });
  return ['| flag | scope | default | accepts | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
