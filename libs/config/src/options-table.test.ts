import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TRAIN_OPTIONS } from './option-specs.js';
import { optionsMarkdownTable } from './options-table.js';

describe('optionsMarkdownTable', () => {
  it('has a row per option, and the README carries exactly this table', () => {
    const table = optionsMarkdownTable();
    expect(table.split('\n')).toHaveLength(TRAIN_OPTIONS.length + 2);
    expect(table).toContain('| `--batch-size N` | run | `32` | an integer >= 1 | samples per worker per micro-batch |');
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const copy = readme.slice(readme.indexOf('<!-- options:start -->\n') + '<!-- options:start -->\n'.length, readme.indexOf('\n<!-- options:end -->'));
    expect(copy).toBe(table);
  });
});
