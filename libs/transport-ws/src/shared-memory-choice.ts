// Whether Unix socket links carry their payloads through shared slots (shared-slots.ts): decided once per process,
// so that a worker says once, at start, why they cannot, rather than once per link.

import { sharedRegionPageBytes } from '@ringtrain/native-socket';
import { SLOT_BYTES } from './shared-slots.js';

/** Whether links to peers on this machine use shared slots, and what to tell the operator when they cannot. */
export interface SharedMemoryChoice {
  use: boolean;
  /** Set when shared memory was wanted on Unix socket links but cannot be used here. */
  notice?: string;
}

/**
 * Shared slots when they are `wanted`, the links to peers on this machine are Unix sockets (`localSockets`, which
 * prove the peer shares the machine), and this process can map shared regions (Linux, the addon built).
 */
export function chooseSharedMemory(wanted: boolean, localSockets: boolean): SharedMemoryChoice {
  if (!wanted || !localSockets) return { use: false };
  const page = sharedRegionPageBytes();
  const why = typeof page === 'string' ? page : SLOT_BYTES % page !== 0 ? `${page}-byte pages do not divide a ${SLOT_BYTES}-byte slot` : undefined;
  if (why === undefined) return { use: true };
  return { use: false, notice: `payloads to peers on this machine go over their Unix sockets, not through shared memory: ${why}` };
}
