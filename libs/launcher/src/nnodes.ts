import { InvalidArgumentError } from '@ringtrain/common';

/** How many nodes a run may have: a fixed count has min === max, an elastic run a range. */
export interface NodeCountRange {
  /** Fewest nodes the run starts (and keeps going) with; at least 1. */
  min: number;
  /** Most nodes the run admits; at least min. */
  max: number;
}

/**
 * Parses torchrun's `--nnodes` form: `N` (exactly N nodes) or `MIN:MAX` (elastic, 1 <= MIN <= MAX).
 * `source` names the flag or variable the text came from (`--nnodes`, `PET_NNODES`), for the error message.
 */
export function parseNnodes(text: string, source: string): NodeCountRange {
  const match = /^(\d+)(?::(\d+))?$/.exec(text);
  const min = Number(match?.[1]);
  const max = match?.[2] === undefined ? min : Number(match[2]);
  if (match === null || !Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 1 || max < min) {
    throw new InvalidArgumentError(`${source} must be N or MIN:MAX with 1 <= MIN <= MAX, got "${text}"`, { subject: source });
  }
  return { min, max };
}
