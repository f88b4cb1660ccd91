// The training loss's forward and backward pass on a batch of logits, as tfjs ops (loss.ts's perSampleLoss, what
// computeGradients used before) against the fused op (cross-entropy.ts's meanCrossEntropy), alternating, medians.
// The figures in cross-entropy.ts come from this.
//
//   node --import tsx tools/loss-bench.ts [--backend wasm|cpu] [--batch 128] [--classes 10] [--rounds 7]

import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type ConcreteBackendName } from '../libs/models/src/index.js';
import { meanCrossEntropy } from '../libs/models/src/cross-entropy.js';
import { perSampleLoss } from '../libs/models/src/loss.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    batch: { type: 'string', default: '128' },
    classes: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '7' },
  },
});
const CALLS = 200;

tf.enableProdMode();
await selectBackend(values.backend as ConcreteBackendName);
const z = tf.variable(tf.randomNormal([Number(values.batch), Number(values.classes)], 0, 1, 'float32', 1)) as tf.Variable<tf.Rank.R2>;
const labels = tf.randomUniform([Number(values.batch)], 0, Number(values.classes), 'int32', 3) as tf.Tensor1D;

/** One forward and backward pass, the gradient read back as the gradient hooks would. */
const passes = {
  'tfjs ops': () => tf.tidy(() => void tf.variableGrads(() => tf.mean(perSampleLoss(z, labels)) as tf.Scalar, [z]).grads[z.name]!.dataSync()),
  fused: () => tf.tidy(() => void tf.variableGrads(() => meanCrossEntropy(z, labels, 1).value, [z]).grads[z.name]!.dataSync()),
};
const times: Record<string, number[]> = { 'tfjs ops': [], fused: [] };
for (let i = 0; i < CALLS; i++) Object.values(passes).forEach((pass) => pass());
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, pass] of Object.entries(passes)) {
    const start = performance.now();
    for (let i = 0; i < CALLS; i++) pass();
    times[name]!.push((performance.now() - start) / CALLS);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`cross-entropy forward + backward, logits [${z.shape.join(', ')}] on ${tf.getBackend()}, median of ${values.rounds} rounds x ${CALLS}:`);
for (const [name, xs] of Object.entries(times)) console.log(`  ${name.padEnd(9)} ${median(xs).toFixed(3)} ms`);
