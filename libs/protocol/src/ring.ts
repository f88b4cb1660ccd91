// The ring as welcome and reform announce it: who is in it, in which order, and where each member's
// data-plane server listens.

import { z } from 'zod';
import { hostField, portField, rankField } from './fields.js';
import { MAX_WORLD_SIZE } from './limits.js';

/** One member of a ring. Members are listed in ring order: the one at index i sends to the one at (i + 1) % worldSize. */
export const ringMemberSchema = z.strictObject({
  /** The member's rank in this generation. */
  rank: rankField,
  /** Host name or IP literal of its data-plane server. */
  host: hostField,
  /** TCP port of its data-plane server. */
  port: portField,
});

/** A ring of 1..MAX_WORLD_SIZE members; `checkRing` ties it to the message's worldSize. */
export const ringSchema = z.array(ringMemberSchema).min(1).max(MAX_WORLD_SIZE);

export type RingMember = z.infer<typeof ringMemberSchema>;

/**
 * Adds an issue unless `ring` lists every rank of 0..worldSize-1 exactly once, and unless `ownRank`
 * (the recipient's rank) is below worldSize. Ranks are checked as a set: the ring order is free.
 */
export function checkRing(
  msg: { ring: RingMember[]; worldSize: number; rank: number },
  ctx: z.RefinementCtx,
): void {
  if (msg.ring.length !== msg.worldSize) {
    ctx.addIssue({ code: 'custom', path: ['ring'], message: `must list worldSize (${msg.worldSize}) members, lists ${msg.ring.length}` });
    return;
  }
  const seen = new Set<number>();
  msg.ring.forEach((member, i) => {
    if (member.rank >= msg.worldSize) {
      ctx.addIssue({ code: 'custom', path: ['ring', i, 'rank'], message: `must be < worldSize (${msg.worldSize}), received ${member.rank}` });
    } else if (seen.has(member.rank)) {
      ctx.addIssue({ code: 'custom', path: ['ring', i, 'rank'], message: `rank ${member.rank} is listed twice` });
    }
    seen.add(member.rank);
  });
  if (msg.rank >= msg.worldSize) {
    ctx.addIssue({ code: 'custom', path: ['rank'], message: `must be < worldSize (${msg.worldSize}), received ${msg.rank}` });
  }
}
