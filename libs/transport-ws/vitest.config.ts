import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { name: 'transport-ws', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } });
