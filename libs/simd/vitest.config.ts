import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { name: 'simd', include: ['src/**/*.test.ts'] } });
