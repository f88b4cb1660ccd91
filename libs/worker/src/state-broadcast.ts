// Before step 0 (and after a resume) every rank must start from rank 0's state, not just from the same seed:
// initialisers are deterministic here, but a resumed checkpoint exists only on rank 0's disk, and DDP users
// expect "rank 0 wins". One broadcast carries everything: parameters, model state, optimizer slots and the
// training position, packed into one Float32Array so it costs one pipelined pass along the ring.

import { broadcast } from '@ringtrain/collective';
import type { Transport } from '@ringtrain/transport';
import { STATE_BROADCAST_BUCKET } from './message-tags.js';
import type { Replica } from './replica.js';

/** Where training stands: optimizer steps done, and the sampler's place in the epoch. */
export interface TrainingPosition {
  /** Global optimizer steps done. */
  step: number;
  /** Epoch being consumed. */
  epoch: number;
  /** Samples of this rank's shard of that epoch already consumed (DistributedSampler offset). */
  offset: number;
}

/** Integers travel as two 16-bit halves: each is a float32 exactly, so no bit pattern depends on NaN handling. */
const META_FIELDS = 4;

function packMeta(values: readonly number[], out: Float32Array): void {
  values.forEach((v, i) => {
    out[2 * i] = v % 0x10000;
    out[2 * i + 1] = Math.floor(v / 0x10000);
  });
}

function unpackMeta(from: Float32Array): number[] {
  return Array.from({ length: META_FIELDS }, (_, i) => from[2 * i]! + from[2 * i + 1]! * 0x10000);
}

/**
 * Makes every rank's replica and position equal to rank 0's. `position` is rank 0's (ignored elsewhere);
 * returns the position every rank continues from. The optimizer's slot names are the same on every rank (same
 * config), so only their values travel.
 */
export async function broadcastTrainingState(
  t: Transport,
  replica: Replica,
  position: TrainingPosition,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<TrainingPosition> {
  const optimizer = replica.optimizer.exportState();
  const slotNames = Object.keys(optimizer.slots).sort();
  const parts = [replica.params, replica.state, ...slotNames.map((name) => optimizer.slots[name]!)];
  const total = parts.reduce((n, p) => n + p.length, 0) + 2 * META_FIELDS;
  const packed = new Float32Array(total);
  let offset = 0;
  for (const part of parts) {
    packed.set(part, offset);
    offset += part.length;
  }
  packMeta([position.step, position.epoch, position.offset, optimizer.step], packed.subarray(offset));

  await broadcast(t, packed, 0, { tag: { step: position.step, bucket: STATE_BROADCAST_BUCKET }, wireDtype: 'float32', ...opts });

  offset = 0;
  const take = (length: number): Float32Array => packed.subarray(offset, (offset += length));
  replica.params.set(take(replica.params.length));
  replica.state.set(take(replica.state.length));
  const slots = Object.fromEntries(slotNames.map((name) => [name, take(optimizer.slots[name]!.length)]));
  const [step, epoch, samplerOffset, optimizerStep] = unpackMeta(take(2 * META_FIELDS));
  replica.optimizer.importState({ optimizer: optimizer.optimizer, step: optimizerStep!, slots });
  replica.pushToModel();
  return { step: step!, epoch: epoch!, offset: samplerOffset! };
}
