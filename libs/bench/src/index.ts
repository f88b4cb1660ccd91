export { runAllReduceBench } from './orchestrator.js';
export type { AllReduceBenchOptions } from './orchestrator.js';
export { runBenchWorker, processChannel } from './bench-worker.js';
export type { BenchWorkerConfig } from './worker-protocol.js';
export { formatTable } from './table.js';
export { makeResult, defaultIters } from './results.js';
export type { AllReduceResult } from './results.js';
export { chooseLocalSockets, chooseSharedMemory } from '@ringtrain/transport-ws';
export { parseSize, parseSizeList, parseCountList, formatSize } from './sizes.js';
