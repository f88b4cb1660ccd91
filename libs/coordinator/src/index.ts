// @ringtrain/coordinator: the membership state machine (pure), the coordinator server around it, and the run
// records it writes (metrics.jsonl, summary.json).

export * from './membership/index.js';
export { CoordinatorServer, type CoordinatorOutcome, type CoordinatorServerOptions } from './coordinator-server.js';
export { loadPersistedRun, RunRecords, RUN_STATE_FILE } from './run-records.js';
