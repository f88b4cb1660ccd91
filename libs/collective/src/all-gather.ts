import type { Transport } from '@ringtrain/transport';
import { requireFloat32, resolveOptions, type CollectiveOptions } from './options.js';
import { Phase } from './phases.js';
import { runRing } from './ring-pipeline.js';
import { wireFormat } from './wire-format.js';

/**
 * Gathers every rank's `input` (all of the same length m) into one array of N*m elements, rank r's
 * block at [r*m, (r+1)*m), identical on every rank. With float16 on the wire, every block - this
 * rank's own included - holds the float16-rounded values, so all ranks still agree bit for bit.
 */
export async function allGather(t: Transport, input: Float32Array, opts: CollectiveOptions = {}): Promise<Float32Array> {
  const what = 'allGather';
  requireFloat32(t, what, input, 'input');
  const resolved = resolveOptions(t, what, opts);
  const n = t.worldSize;
  const m = input.length;
  const out = new Float32Array(n * m);
  const own = out.subarray(t.rank * m, (t.rank + 1) * m);
  own.set(input);
  wireFormat(resolved.wireDtype).quantize(own);
  if (n === 1) return out;
  await runRing({
    transport: t,
    data: out,
    phase: Phase.ALL_GATHER,
    what,
    opts: resolved,
    stages: n - 1,
    apply: (_stage, dst, payload, wire) => wire.assign(dst, payload),
    assigns: () => true,
    describeStage: (stage) => `${stage + 1}/${n - 1}`,
  });
  return out;
}
