export * from './data-frame.js';
export { decodeSlotMessage, encodeSlotMessage, MAX_SLOTS, type SlotMessage } from './slot-messages.js';
export { PROTOCOL_VERSION, messageSchemas } from './messages.js';
export type {
  Message,
  MessageType,
  MessageOf,
  HelloMessage,
  WelcomeMessage,
  HeartbeatMessage,
  ReportMessage,
  StepReport,
  CommitMessage,
  ReformMessage,
  CheckpointMessage,
  ShutdownMessage,
  ErrorMessage,
  EvaluationMessage,
  DoneMessage,
} from './messages.js';
export type { RingMember } from './ring.js';
export { DEFAULT_MAX_CONTROL_MESSAGE_BYTES, MAX_WORLD_SIZE, MAX_NESTING_DEPTH, MAX_STEPS_PER_REPORT } from './limits.js';
export { encodeMessage, decodeMessage, type EncodeOptions, type DecodeOptions } from './codec.js';
export { validateMessage } from './validate.js';
