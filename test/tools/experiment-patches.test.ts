// The README's "Overlap, and what did not help here" tells readers to `git apply` the patches in
// tools/experiments to repeat its measurements: they must apply to this tree. A change to the files they touch
// (trainer.ts, gradient-sync.ts, compute-gradients.ts, ...) fails here until the patches are brought up to date.
// This checks that they apply, not that the patched tree builds (that takes a type-check of the patched copy).

import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const experiments = join(root, 'tools', 'experiments');
const patches = readdirSync(experiments).filter((name) => name.endsWith('.patch'));

describe('tools/experiments patches', () => {
  it('are there: the three overlap variants the README reports', () => {
    expect(patches.sort()).toEqual(['backward-pauses.patch', 'pairwise-exchange.patch', 'segment-bytes.patch']);
  });

  it.each(patches)('%s applies to this tree (git apply --check)', (name) => {
    // --check changes nothing; it exits non-zero (execFileSync throws, with git's message) if a hunk does not apply.
    expect(() => execFileSync('git', ['apply', '--check', join(experiments, name)], { cwd: root, stdio: 'pipe' })).not.toThrow();
  });
});
