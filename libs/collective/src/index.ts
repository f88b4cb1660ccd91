export { allReduce } from './all-reduce.js';
export type { AllReduceOptions, ReduceOp } from './all-reduce.js';
export { allGather } from './all-gather.js';
export { broadcast } from './broadcast.js';
export { barrier } from './barrier.js';
export type { CollectiveOptions, OpTag } from './options.js';
export { DEFAULT_SEGMENT_BYTES, DEFAULT_TIMEOUT_MS } from './options.js';
export { Phase } from './phases.js';
export type { WireDtype } from './wire-format.js';
