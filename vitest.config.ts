// One vitest run over every project (libs, apps, end-to-end tests) so `npm test` prints one summary.
// Each project also has its own vitest.config.ts for `nx test <project>`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['libs/*/vitest.config.ts', 'apps/*/vitest.config.ts', 'test/vitest.config.ts'],
    reporters: ['default', './tools/summary-reporter.ts'],
  },
});
