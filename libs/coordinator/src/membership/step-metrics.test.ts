import { describe, expect, it } from 'vitest';
import { stepMetrics } from './step-metrics.js';
import { stepReport } from './test-support.js';

describe('stepMetrics', () => {
  it('paces samples/s by the slowest whole step, not by compute + comm, and passes the run length on', () => {
    const fast = { ...stepReport(7, { loss: 1, computeMs: 40, commMs: 10, samples: 32 }), totalSteps: 375 };
    const slow = stepReport(7, { loss: 3, computeMs: 50, commMs: 10, samples: 32 });
    const slowStep = { ...slow, timings: { ...slow.timings, stepMs: 80 } }; // 20 ms outside compute and comm
    // samples/s = (32 + 32) / (max(50, 80) / 1000) = 800; loss = (1 + 3) / 2 = 2
    expect(stepMetrics([fast, slowStep], 0)).toEqual({
      step: 7, epoch: 0, lr: 0.1, loss: 2, grad_norm: 1.5, total_steps: 375, samples_per_second: 800, step_ms: 80, compute_ms: 50, comm_ms: 10, generation: 0,
    });
  });
});
