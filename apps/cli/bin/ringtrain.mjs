#!/usr/bin/env node
// Entry point: runs the TypeScript sources through ts-loader.mjs (no build step to forget), then main.
import './register-hooks.mjs';

process.setSourceMapsEnabled(true); // stack traces (RINGTRAIN_DEBUG=1) point into the .ts sources
await import('../src/main.ts');
