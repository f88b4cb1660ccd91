#!/usr/bin/env node
// Entry point: runs the TypeScript sources through ts-loader.mjs (no build step to forget), then main.
import { register } from 'node:module';

process.setSourceMapsEnabled(true); // stack traces (RINGTRAIN_DEBUG=1) point into the .ts sources
register('./ts-loader.mjs', import.meta.url);
await import('../src/main.ts');
