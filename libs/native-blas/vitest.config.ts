import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { name: 'native-blas', include: ['src/**/*.test.ts'] } });
