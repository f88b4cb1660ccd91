// --min-workers and --max-workers (launch and coordinator) against the run's world size, checked here so a bad
// combination is refused naming the flags, with exit code 2, before anything starts.

import { InvalidArgumentError } from '@ringtrain/common';

export interface MembershipFlags {
  /** Workers the run starts with and is planned for (LR schedule length, global batch). */
  worldSize: number;
  minWorkers: number;
  maxWorkers: number;
}

/** `worldSize` with --min-workers (default worldSize) and --max-workers (default `defaultMax`). */
export function membershipFlags(worldSize: number, defaultMax: number, minWorkers: number | undefined, maxWorkers: number | undefined): MembershipFlags {
  const min = minWorkers ?? worldSize;
  const max = maxWorkers ?? defaultMax;
  if (min > worldSize) throw new InvalidArgumentError(`--min-workers ${min} must not exceed the world size (${worldSize})`, { subject: '--min-workers' });
  if (max < worldSize) throw new InvalidArgumentError(`--max-workers ${max} must be at least the world size (${worldSize})`, { subject: '--max-workers' });
  return { worldSize, minWorkers: min, maxWorkers: max };
}
