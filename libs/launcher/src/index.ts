export { workerEnvironment, type WorkerEnvironmentOptions } from './worker-environment.js';
export { launcherFlagsFromEnv, type LauncherFlags } from './env-flags.js';
export { parseNnodes, type NodeCountRange } from './nnodes.js';
export { parseEndpoint, type Endpoint } from './endpoint.js';
export { launchWorkers } from './local-group.js';
export type { GroupResult, LaunchOptions, LocalGroup, WorkerExit, WorkerStream } from './launch-options.js';
export { exitStatus } from './exit-status.js';
export { allowedCpuList, allowedCpus, chooseCpuBinding, formatCpuList, ownCpuList, parseCpuList, physicalCores, planCpuBinding, type CpuBinding, type CpuBindingHost } from './cpu-binding.js';
