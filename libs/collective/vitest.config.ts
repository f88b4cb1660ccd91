import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { name: 'collective', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } });
