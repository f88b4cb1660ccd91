// Bounds on what one control message may carry. They stop a buggy or hostile peer from making the
// receiver allocate, recurse or loop without limit, and are generous for any real cluster.

/**
 * Largest encoded control message `decodeMessage` accepts unless told otherwise: 1 MiB. The biggest
 * message is a welcome; with MAX_WORLD_SIZE ranks and host names of 64 characters its ring takes
 * 88 bytes per rank, about 0.35 MiB.
 */
export const DEFAULT_MAX_CONTROL_MESSAGE_BYTES = 1024 * 1024;

/** Most ranks one run may have: bounds every rank field and the length of ring arrays. */
export const MAX_WORLD_SIZE = 4096;

/**
 * Deepest nesting of msgpack maps and arrays in a control message, counting the message's own map as
 * level 1. The messages need 4 levels (a report: its steps, a step, its timings); the rest is room for the run
 * config. Bounding it keeps the recursive decoder and validator far from the stack limit.
 */
export const MAX_NESTING_DEPTH = 32;

/** Most steps one report message may carry (a worker sends at most 8; the rest is room). */
export const MAX_STEPS_PER_REPORT = 64;
