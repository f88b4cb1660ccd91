import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { name: 'transport', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } });
