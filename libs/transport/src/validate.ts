import { CollectiveError, ErrorCodes } from '@ringtrain/common';
import type { Transport } from './transport.js';

/** Throws a misuse error unless `peer` is a rank of this transport's world other than itself. */
export function checkPeer(t: Transport, peer: number): void {
  if (!Number.isInteger(peer) || peer < 0 || peer >= t.worldSize || peer === t.rank) {
    throw new CollectiveError(
      ErrorCodes.COLLECTIVE_MISUSE,
      `peer must be another rank in [0, ${t.worldSize}), got ${peer}`,
      { rank: t.rank, peer },
    );
  }
}
