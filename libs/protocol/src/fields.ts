// Field schemas shared by several control messages, so each bound is written once.

import { z } from 'zod';
import { MAX_WORLD_SIZE } from './limits.js';

/** Unsigned 32-bit integer: the range of the data-plane frame header's generation and step. */
export const u32 = z.uint32();

/** A rank (global, node or local): an integer in [0, MAX_WORLD_SIZE). */
export const rankField = z.int().min(0).max(MAX_WORLD_SIZE - 1);

/** A number of ranks: an integer in [1, MAX_WORLD_SIZE]. */
export const worldSizeField = z.int().min(1).max(MAX_WORLD_SIZE);

/** A TCP port a peer can connect to (0, "any port", is not an address). */
export const portField = z.int().min(1).max(65535);

/**
 * A host name, IPv4 literal or IPv6 literal (without brackets, optionally with a %zone). DNS names are
 * at most 253 characters; the character set leaves out spaces, slashes and control characters.
 */
export const hostField = z.string().min(1).max(253).regex(/^[A-Za-z0-9._:%-]+$/);

/** A finite number >= 0 (durations, learning rates, norms). z.number() already rejects NaN and +-Infinity. */
export const nonNegativeFinite = z.number().min(0);

/** A wall-clock time: whole milliseconds since the Unix epoch, as Date.now() returns. */
export const epochMillis = z.int().min(0);

/** A human-readable reason (reform, shutdown): non-empty, at most 256 characters. */
export const reasonField = z.string().min(1).max(256);

/** Where a rank's data-plane server listens. */
export const addressSchema = z.strictObject({
  /** Host name or IP literal its ring neighbour connects to. */
  host: hostField,
  /** TCP port of its data-plane server. */
  port: portField,
});

/**
 * A JSON object: what JSON.parse returns for an object, with finite numbers only (no Date, bytes,
 * bigint, undefined). Keys are at most 128 characters.
 */
export const jsonObject = z.record(z.string().max(128), z.json());
