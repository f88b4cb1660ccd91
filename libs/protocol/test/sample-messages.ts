// One valid message of every type, shared by the codec tests. Values sit near their bounds where that
// is cheap (u32 maxima, port 65535, a 64-digit hash) so a round trip exercises the wide encodings.

import { PROTOCOL_VERSION, type MessageOf, type MessageType } from '../src/index.js';

const hello: MessageOf<'hello'> = {
  type: 'hello',
  v: PROTOCOL_VERSION,
  host: 'node-3.cluster.local',
  nodeRank: 1,
  localRank: 2,
  localWorldSize: 4,
  dataPlane: { host: 'fe80::1%eth0', port: 65535 },
  pid: 4_194_303,
  backend: 'tensorflow-gpu',
  configHash: 'a'.repeat(64),
};

const welcome: MessageOf<'welcome'> = {
  type: 'welcome',
  v: PROTOCOL_VERSION,
  rank: 2,
  worldSize: 3,
  generation: 0xffffffff,
  ring: [
    { rank: 0, host: '10.0.0.1', port: 29500 },
    { rank: 2, host: '10.0.0.3', port: 29502 },
    { rank: 1, host: '10.0.0.2', port: 29501 },
  ],
  config: { model: 'mlp', lr: 0.1, epochs: 3, nesterov: false, eta: null, layers: [784, 512, 10], schedule: { kind: 'cosine', tMax: 100 } },
  plannedWorldSize: 4,
  elastic: true,
};

const heartbeat: MessageOf<'heartbeat'> = { type: 'heartbeat', v: PROTOCOL_VERSION, rank: 0, seq: 41, timeMs: 1_764_300_000_123 };

const report: MessageOf<'report'> = {
  type: 'report',
  v: PROTOCOL_VERSION,
  rank: 1,
  generation: 2,
  steps: [
    {
      step: 4_000_000_000,
      epoch: 7,
      loss: -0.125,
      lr: 3e-4,
      gradNorm: 1.5,
      samples: 512,
      timings: { computeMs: 97.25, commMs: 12.5, stepMs: 112.5 },
      metrics: { accuracy: 0.9375, 'top5.accuracy': 1 },
    },
    {
      step: 4_000_000_001,
      epoch: 7,
      loss: 0.5,
      lr: 3e-4,
      gradNorm: 0.25,
      samples: 512,
      totalSteps: 4_000_000_100,
      timings: { computeMs: 96, commMs: 12, stepMs: 111 },
      paramHash: 'ab'.repeat(32),
    },
  ],
};

const commit: MessageOf<'commit'> = { type: 'commit', v: PROTOCOL_VERSION, generation: 2, step: 1200 };

const reform: MessageOf<'reform'> = {
  type: 'reform',
  v: PROTOCOL_VERSION,
  newGeneration: 3,
  reason: 'rank 2 missed 3 heartbeats',
  rank: 1,
  worldSize: 2,
  ring: [
    { rank: 0, host: 'worker-0', port: 29500 },
    { rank: 1, host: 'worker-1', port: 29500 },
  ],
  committedSteps: 1200,
};

const checkpoint: MessageOf<'checkpoint'> = { type: 'checkpoint', v: PROTOCOL_VERSION, step: 1500, path: '/ckpt/run 1/step-1500.rtck' };

const shutdown: MessageOf<'shutdown'> = { type: 'shutdown', v: PROTOCOL_VERSION, reason: 'training finished', exitCode: 0 };

const error: MessageOf<'error'> = {
  type: 'error',
  v: PROTOCOL_VERSION,
  code: 'E_PEER_CLOSED',
  message: 'rank 3 closed its data link during all-reduce',
  context: { rank: 2, peer: 3, generation: 2, step: 1201, phase: 'allreduce' },
};

const evaluation: MessageOf<'evaluation'> = {
  type: 'evaluation',
  v: PROTOCOL_VERSION,
  rank: 1,
  result: { step: 375, epoch: 3, testLoss: 0.1875, testAccuracy: 0.9655, count: 2000 },
};

const done: MessageOf<'done'> = {
  type: 'done',
  v: PROTOCOL_VERSION,
  rank: 1,
  generation: 0,
  steps: 375,
  paramHash: 'ab'.repeat(32),
  computeMs: 30125.5,
  commMs: 812.25,
  trainMs: 31544,
};

export const sampleMessages: { readonly [T in MessageType]: MessageOf<T> } = {
  hello,
  welcome,
  heartbeat,
  report,
  commit,
  reform,
  checkpoint,
  shutdown,
  error,
  evaluation,
  done,
};

/** A deep copy of the sample of `type` as a plain record, for tests that break it field by field. */
export function mutableSample(type: MessageType): Record<string, unknown> {
  return structuredClone(sampleMessages[type]) as Record<string, unknown>;
}
