import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { name: 'launcher', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } });
