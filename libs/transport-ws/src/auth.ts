// Data-plane links authenticate both ways at the WebSocket handshake. The connecting rank presents the
// run's shared token, which the listener compares in constant time (hashing both sides first makes the
// comparison length-independent: timingSafeEqual needs equal lengths, and an early length check would
// leak the token's length). The listener then proves it holds the token too, by returning
// HMAC-SHA256(token, nonce) for a fresh nonce the client chose, so a stranger listening on a peer's
// address cannot feed a rank forged data either.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const HEADER_TOKEN = 'x-ringtrain-token';
export const HEADER_RANK = 'x-ringtrain-rank';
export const HEADER_GENERATION = 'x-ringtrain-generation';
export const HEADER_NONCE = 'x-ringtrain-nonce';
export const HEADER_PROOF = 'x-ringtrain-proof';
/** The listener's error code travels in this response header when it refuses a link. */
export const HEADER_ERROR_CODE = 'x-ringtrain-error';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** True when `presented` equals `expected`. An undefined `expected` means no token is required. */
export function tokenMatches(expected: string | undefined, presented: string | undefined): boolean {
  if (expected === undefined) return true;
  if (presented === undefined) return false;
  return timingSafeEqual(digest(expected), digest(presented));
}

export function newNonce(): string {
  return randomBytes(18).toString('base64url');
}

/** The listener's answer to a nonce: HMAC-SHA256 keyed by the token. */
export function proofFor(token: string, nonce: string): string {
  return createHmac('sha256', token).update(nonce, 'utf8').digest('base64url');
}

export function proofMatches(token: string | undefined, nonce: string, presented: string | undefined): boolean {
  if (token === undefined) return true;
  if (presented === undefined) return false;
  return timingSafeEqual(digest(proofFor(token, nonce)), digest(presented));
}
