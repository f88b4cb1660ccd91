import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { name: 'native-socket', include: ['src/**/*.test.ts'] } });
