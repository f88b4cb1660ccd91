/** The `phase` byte of every message, so a stray message of one collective can never satisfy another. */
export const Phase = {
  ALL_REDUCE: 1,
  BROADCAST: 2,
  ALL_GATHER: 3,
  BARRIER: 4,
} as const;
