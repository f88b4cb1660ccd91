// The control messages the coordinator sends, built in one place so their bounds (reason <= 256 and error
// message <= 4096 characters) hold for every caller.

import {
  PROTOCOL_VERSION,
  type CommitMessage,
  type ErrorMessage,
  type ReformMessage,
  type RingMember,
  type ShutdownMessage,
  type WelcomeMessage,
} from '@ringtrain/protocol';
import { truncate } from './describe.js';
import { isElastic, type CoordinatorOptions } from './options.js';

const MAX_REASON_CHARS = 256;
const MAX_ERROR_MESSAGE_CHARS = 4096;

export function errorMessage(code: string, message: string, context?: ErrorMessage['context']): ErrorMessage {
  const error: ErrorMessage = { type: 'error', v: PROTOCOL_VERSION, code, message: truncate(message, MAX_ERROR_MESSAGE_CHARS) };
  return context === undefined ? error : { ...error, context };
}

export function shutdownMessage(reason: string, exitCode: number): ShutdownMessage {
  return { type: 'shutdown', v: PROTOCOL_VERSION, reason: truncate(reason, MAX_REASON_CHARS), exitCode };
}

export function commitMessage(generation: number, step: number): CommitMessage {
  return { type: 'commit', v: PROTOCOL_VERSION, generation, step };
}

export function welcomeMessage(
  rank: number,
  generation: number,
  ring: RingMember[],
  options: CoordinatorOptions,
): WelcomeMessage {
  // The app loads the config from JSON or YAML, so it is JSON data; encodeMessage validates the welcome before it goes out.
  const config = options.config as WelcomeMessage['config'];
  return { type: 'welcome', v: PROTOCOL_VERSION, rank, worldSize: ring.length, generation, ring, config, plannedWorldSize: options.worldSize, elastic: isElastic(options) };
}

export function reformMessage(rank: number, generation: number, ring: RingMember[], reason: string, committedSteps: number | undefined): ReformMessage {
  const reform: ReformMessage = { type: 'reform', v: PROTOCOL_VERSION, newGeneration: generation, reason: truncate(reason, MAX_REASON_CHARS), rank, worldSize: ring.length, ring };
  return committedSteps === undefined ? reform : { ...reform, committedSteps };
}
