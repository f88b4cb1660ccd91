import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { name: 'optim', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } });
