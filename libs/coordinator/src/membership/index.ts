// The coordinator's membership and run control as a pure state machine: the server feeds it events and
// carries out the commands it returns.

export { step } from './step.js';
export { initialState, type CoordinatorState, type Transition } from './state.js';
export { checkCoordinatorOptions, isElastic, type CoordinatorOptions } from './options.js';
export type {
  CoordinatorEvent,
  ConnectedEvent,
  MessageEvent,
  InvalidMessageEvent,
  DisconnectedEvent,
  TickEvent,
  InterruptEvent,
  LocalFailureEvent,
} from './events.js';
export type {
  Command,
  SendCommand,
  CloseCommand,
  MetricsCommand,
  LogCommand,
  FinishCommand,
  MetricsRecord,
  StepMetricsRecord,
  EvaluationMetricsRecord,
} from './commands.js';
export type { RunResult, RunSummary, RunErrorInfo } from './run-result.js';
export { isHashStep } from './progress.js';
export { persistedRun, recoveringState, type PersistedRun } from './recovery.js';
