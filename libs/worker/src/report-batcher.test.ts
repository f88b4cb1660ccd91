import { MAX_STEPS_PER_REPORT, PROTOCOL_VERSION, type ReportMessage, type StepReport } from '@ringtrain/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReportBatcher } from './report-batcher.js';

const stepOf = (step: number): StepReport => ({ step, epoch: 0, loss: 1, lr: 0.1, gradNorm: 1, samples: 32, timings: { computeMs: 4, commMs: 1, stepMs: 6 } });

describe('ReportBatcher (interval 50 ms, at most 4 steps)', () => {
  let clock = 0;
  let sent: ReportMessage[] = [];
  let batcher: ReportBatcher;
  const stepsSent = () => sent.map((message) => message.steps.map((entry) => entry.step));

  beforeEach(() => {
    vi.useFakeTimers();
    clock = 1000;
    sent = [];
    batcher = new ReportBatcher((message) => sent.push(message), { intervalMs: 50, maxSteps: 4, now: () => clock });
  });
  afterEach(() => vi.useRealTimers());

  /** Moves the clock and the timers on by `ms`. */
  const wait = (ms: number) => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };

  it('sends the first step at once, and steps as slow as the interval one message each', () => {
    batcher.add(1, 0, stepOf(0));
    wait(50);
    batcher.add(1, 0, stepOf(1));
    expect(stepsSent()).toEqual([[0], [1]]);
    expect(sent[0]).toEqual({ type: 'report', v: PROTOCOL_VERSION, rank: 1, generation: 0, steps: [stepOf(0)] });
  });

  it('gathers fast steps until the interval since the last message has passed', () => {
    batcher.add(0, 0, stepOf(0)); // sent: nothing was sent before
    for (const step of [1, 2]) {
      wait(20);
      batcher.add(0, 0, stepOf(step));
    }
    expect(stepsSent()).toEqual([[0]]);
    wait(10); // 50 ms since step 0 went out: the timer sends steps 1 and 2
    expect(stepsSent()).toEqual([[0], [1, 2]]);
    wait(20);
    batcher.add(0, 0, stepOf(3)); // 20 ms after the last message: waits
    wait(29);
    expect(stepsSent()).toEqual([[0], [1, 2]]);
    wait(1);
    expect(stepsSent()).toEqual([[0], [1, 2], [3]]);
  });

  it('sends as soon as maxSteps steps wait', () => {
    batcher.add(0, 0, stepOf(0));
    for (const step of [1, 2, 3, 4]) batcher.add(0, 0, stepOf(step));
    expect(stepsSent()).toEqual([[0], [1, 2, 3, 4]]);
    wait(100); // the timer of step 1 was cleared with the message
    expect(sent).toHaveLength(2);
  });

  it('flush sends what waits at once, and nothing when nothing waits', () => {
    batcher.add(0, 0, stepOf(0));
    batcher.add(0, 0, stepOf(1));
    batcher.flush();
    batcher.flush();
    expect(stepsSent()).toEqual([[0], [1]]);
    wait(100);
    expect(sent).toHaveLength(2);
  });

  it('never mixes ranks or generations in one message', () => {
    batcher.add(2, 0, stepOf(0));
    batcher.add(2, 0, stepOf(1));
    batcher.add(1, 1, stepOf(1)); // a reform: rank 1 of generation 1 redoes step 1
    batcher.flush();
    expect(sent.map(({ rank, generation, steps }) => [rank, generation, steps.map((entry) => entry.step)])).toEqual([
      [2, 0, [0]],
      [2, 0, [1]],
      [1, 1, [1]],
    ]);
  });

  it('refuses more steps per message than a report may carry', () => {
    expect(() => new ReportBatcher(() => undefined, { intervalMs: 50, maxSteps: MAX_STEPS_PER_REPORT + 1 })).toThrow(/maxSteps must be an integer from 1 to 64, got 65/);
    expect(() => new ReportBatcher(() => undefined, { intervalMs: 50, maxSteps: 0 })).toThrow(/got 0/);
  });
});
