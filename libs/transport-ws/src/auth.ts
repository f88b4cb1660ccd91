// Data-plane links authenticate at the WebSocket handshake: the connecting rank presents the run's
// shared token in a header, and the listener compares it in constant time. Hashing both sides first
// makes the comparison length-independent (timingSafeEqual needs equal lengths, and an early length
// check would leak the token's length).

import { createHash, timingSafeEqual } from 'node:crypto';

export const HEADER_TOKEN = 'x-ringtrain-token';
export const HEADER_RANK = 'x-ringtrain-rank';
export const HEADER_GENERATION = 'x-ringtrain-generation';
/** The listener's error code travels in this response header when it refuses a link. */
export const HEADER_ERROR_CODE = 'x-ringtrain-error';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** True when `presented` equals `expected`. An undefined `expected` means the listener requires no token. */
export function tokenMatches(expected: string | undefined, presented: string | undefined): boolean {
  if (expected === undefined) return true;
  if (presented === undefined) return false;
  return timingSafeEqual(digest(expected), digest(presented));
}
