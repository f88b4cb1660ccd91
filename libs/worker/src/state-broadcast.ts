// Before step 0 (and after a resume) every rank must start from rank 0's state, not just from the same seed:
// initialisers are deterministic here, but a resumed checkpoint exists only on rank 0's disk, and DDP users
// expect "rank 0 wins". Two broadcasts: a small one with the training position and which optimizer slots exist
// (torch creates SGD's momentum buffer only at the first step, so a resumed optimizer has slots a fresh one
// lacks), then one Float32Array with parameters, model state and slots, in one pipelined pass along the ring.

import { broadcast } from '@ringtrain/collective';
import { CollectiveError, ErrorCodes } from '@ringtrain/common';
import type { Transport } from '@ringtrain/transport';
import { STATE_BROADCAST_BUCKET, STATE_META_BUCKET } from './message-tags.js';
import type { Replica } from './replica.js';

/** Where training stands: optimizer steps done, and the sampler's place in the epoch. */
export interface TrainingPosition {
  /** Global optimizer steps done. */
  step: number;
  /** Epoch being consumed. */
  epoch: number;
  /**
   * Samples of that epoch's order consumed by all ranks together (DistributedSampler.epochPosition): it does not
   * depend on the world size, so a generation with another one re-shards the rest of the epoch from here.
   */
  consumed: number;
}

/** Every slot name the optimizers of @ringtrain/optim use (torch's), in the order they travel; a bit mask says which exist. */
const KNOWN_SLOTS = ['momentum_buffer', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] as const;

/** step, epoch, consumed, optimizer step, slot mask. */
const META_FIELDS = 5;

/** Integers travel as two 16-bit halves: each is a float32 exactly, so no bit pattern depends on NaN handling. */
function packMeta(values: readonly number[]): Float32Array {
  const out = new Float32Array(2 * META_FIELDS);
  values.forEach((v, i) => {
    out[2 * i] = v % 0x10000;
    out[2 * i + 1] = Math.floor(v / 0x10000);
  });
  return out;
}

function unpackMeta(from: Float32Array): number[] {
  return Array.from({ length: META_FIELDS }, (_, i) => from[2 * i]! + from[2 * i + 1]! * 0x10000);
}

/**
 * Makes every rank's replica and position equal to rank 0's. `position` is rank 0's (ignored elsewhere); returns
 * the position every rank continues from.
 */
export async function broadcastTrainingState(
  t: Transport,
  replica: Replica,
  position: TrainingPosition,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<TrainingPosition> {
  // Tagged with step 0, not the position: only rank 0 knows the position before this broadcast. It runs once per
  // ring generation (a generation has a transport of its own), so the tags cannot meet another broadcast's.
  const options = { wireDtype: 'float32', ...opts } as const;
  const own = replica.optimizer.exportState();
  const unknown = Object.keys(own.slots).filter((name) => !(KNOWN_SLOTS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new CollectiveError(ErrorCodes.COLLECTIVE_MISUSE, `cannot broadcast optimizer slots ${unknown.join(', ')}`, { rank: t.rank });
  const ownMask = KNOWN_SLOTS.reduce((mask, name, bit) => (name in own.slots ? mask | (1 << bit) : mask), 0);
  const meta = packMeta([position.step, position.epoch, position.consumed, own.step, ownMask]);
  await broadcast(t, meta, 0, { ...options, tag: { step: 0, bucket: STATE_META_BUCKET } });
  const [step, epoch, consumed, optimizerStep, mask] = unpackMeta(meta) as [number, number, number, number, number];

  const slotNames = KNOWN_SLOTS.filter((_, bit) => mask & (1 << bit));
  const n = replica.params.length;
  const packed = new Float32Array(n + replica.state.length + slotNames.length * n);
  if (t.rank === 0) {
    packed.set(replica.params, 0);
    packed.set(replica.state, n);
    slotNames.forEach((name, i) => packed.set(own.slots[name]!, n + replica.state.length + i * n));
  }
  await broadcast(t, packed, 0, { ...options, tag: { step: 0, bucket: STATE_BROADCAST_BUCKET } });

  replica.params.set(packed.subarray(0, n));
  replica.state.set(packed.subarray(n, n + replica.state.length));
  const slots = Object.fromEntries(slotNames.map((name, i) => [name, packed.subarray(n + replica.state.length + i * n, n + replica.state.length + (i + 1) * n)]));
  replica.optimizer.importState({ optimizer: own.optimizer, step: optimizerStep, slots });
  replica.pushToModel();
  return { step, epoch, consumed };
}
