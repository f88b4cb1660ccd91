import { CollectiveError, ErrorCodes } from '@ringtrain/common';
import type { Transport } from '@ringtrain/transport';
import { requireFloat32, resolveOptions, type CollectiveOptions } from './options.js';
import { Phase } from './phases.js';
import { runRing } from './ring-pipeline.js';

export type ReduceOp = 'sum' | 'average';

export interface AllReduceOptions extends CollectiveOptions {
  /** 'sum' or 'average' (sum divided by the world size, as DDP averages gradients). Default 'sum'. */
  op?: ReduceOp;
}

/**
 * Reduces `data` across all ranks in place with a bandwidth-optimal ring: every rank sends and receives
 * 2(N-1)/N of the buffer. Every rank ends with bit-identical values: each chunk is finished by exactly
 * one rank and copied verbatim to the others. Element i's sum is accumulated in a fixed ring order, so
 * results are deterministic run to run. Returns `data`.
 */
export async function allReduce(t: Transport, data: Float32Array, opts: AllReduceOptions = {}): Promise<Float32Array> {
  const what = 'allReduce';
  requireFloat32(t, what, data);
  const op = opts.op ?? 'sum';
  if (op !== 'sum' && op !== 'average') {
    throw new CollectiveError(ErrorCodes.COLLECTIVE_MISUSE, `${what}: op must be 'sum' or 'average', got ${String(op)}`, { rank: t.rank });
  }
  const resolved = resolveOptions(t, what, opts);
  const n = t.worldSize;
  if (n === 1) return data;
  const lastReduce = n - 2;
  await runRing({
    transport: t,
    data,
    phase: Phase.ALL_REDUCE,
    what,
    opts: resolved,
    stages: 2 * (n - 1),
    apply(stage, dst, payload, wire) {
      if (stage < lastReduce) wire.accumulate(dst, payload);
      else if (stage > lastReduce) wire.assign(dst, payload);
      else {
        if (op === 'average') wire.accumulateAndDivide(dst, payload, n);
        else wire.accumulate(dst, payload);
        wire.quantize(dst);
      }
    },
    assigns: (stage) => stage > lastReduce,
    describeStage: (stage) => (stage <= lastReduce ? `reduce-scatter ${stage + 1}/${n - 1}` : `all-gather ${stage - lastReduce}/${n - 1}`),
  });
  return data;
}
