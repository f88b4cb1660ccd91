// The consistency check: every replica must hold bit-identical parameters, so the ranks' hashes of the
// same step must all be equal. When they are not, the message groups the ranks by hash, which points at
// the odd one out ("ranks 0,2 hold 1a2b3c4d…, rank 1 holds 9f8e7d6c…").

import { describeRanks, hashPrefix } from './describe.js';

/** null when all hashes (indexed by rank) are equal, else which ranks hold which hash, groups in order of their lowest rank. */
export function describeDivergence(hashes: readonly string[]): string | null {
  const groups = new Map<string, number[]>();
  hashes.forEach((hash, rank) => {
    const ranks = groups.get(hash);
    if (ranks === undefined) groups.set(hash, [rank]);
    else ranks.push(rank);
  });
  if (groups.size <= 1) return null;
  return [...groups]
    .map(([hash, ranks]) => `${describeRanks(ranks)} ${ranks.length === 1 ? 'holds' : 'hold'} ${hashPrefix(hash)}`)
    .join(', ');
}
