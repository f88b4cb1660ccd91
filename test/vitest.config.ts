import { defineConfig } from 'vitest/config';

// End-to-end tests spawn real processes; they get generous per-test timeouts and run one file at a time
// so two multi-process tests do not fight over the machine's two cores.
export default defineConfig({
  test: { name: 'e2e', include: ['**/*.test.ts'], exclude: ['**/node_modules/**', 'fixtures/**'], testTimeout: 120_000, fileParallelism: false, passWithNoTests: true },
});
