// A worker's step reports, gathered into few control messages. Sent one message per step, a small model's reports
// (the mlp steps every ~7 ms with 2 workers on 2 cores) woke the coordinator's process hundreds of times a second on
// the cores the workers train on, and cost each worker a socket write per step (README, "Training step benchmark":
// gathered, the 2-worker mlp's mean step was 0.5-0.8 ms shorter in 4 of 7 alternating pairs of runs and within
// 0.1 ms in the other 3). So a report goes out at most once per interval, or when maxSteps steps wait; a step's
// report waits at most that interval (a timer sends it if no later step does). A step as slow as the interval is
// sent at once, as before.

import { MAX_STEPS_PER_REPORT, PROTOCOL_VERSION, type ReportMessage, type StepReport } from '@ringtrain/protocol';

export interface ReportBatcherOptions {
  /** Shortest time between two report messages, in ms, unless maxSteps steps wait. */
  intervalMs: number;
  /** Most steps one message carries (at most the protocol's MAX_STEPS_PER_REPORT). */
  maxSteps: number;
  /** The clock, in ms (performance.now by default; tests give their own). */
  now?: () => number;
}

/** What a worker runs with: at most ~20 report messages a second, of at most 8 steps each. */
export const REPORT_BATCHING: ReportBatcherOptions = { intervalMs: 50, maxSteps: 8 };

/**
 * What a worker of an elastic run runs with: every step at once. A reform rolls the ring back to the last step every
 * rank reported; held reports would make it redo up to maxSteps steps instead of at most the one a lost rank was in.
 */
export const REPORT_EVERY_STEP: ReportBatcherOptions = { intervalMs: 0, maxSteps: 1 };

export class ReportBatcher {
  private steps: StepReport[] = [];
  /** The rank and generation of the waiting steps: a message carries steps of one of each. */
  private envelope = { rank: 0, generation: 0 };
  private lastSentMs = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    private readonly sendReport: (message: ReportMessage) => void,
    private readonly opts: ReportBatcherOptions,
  ) {
    if (!Number.isInteger(opts.maxSteps) || opts.maxSteps < 1 || opts.maxSteps > MAX_STEPS_PER_REPORT) {
      throw new RangeError(`maxSteps must be an integer from 1 to ${MAX_STEPS_PER_REPORT}, got ${opts.maxSteps}`);
    }
    this.now = opts.now ?? (() => performance.now());
  }

  /** Queues the report of one step of rank `rank` in generation `generation`; sends what waits when it is time. */
  add(rank: number, generation: number, step: StepReport): void {
    if (this.steps.length > 0 && (rank !== this.envelope.rank || generation !== this.envelope.generation)) this.flush();
    this.envelope = { rank, generation };
    this.steps.push(step);
    const waitMs = this.lastSentMs + this.opts.intervalMs - this.now();
    if (this.steps.length >= this.opts.maxSteps || waitMs <= 0) return this.flush();
    // unref: a waiting report must not keep a worker that is done alive; it is flushed before any later message.
    this.timer ??= setTimeout(() => this.flush(), waitMs).unref();
  }

  /** Sends every waiting step now (before another message, so the coordinator hears of them in order). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.steps.length === 0) return;
    const steps = this.steps;
    this.steps = [];
    this.lastSentMs = this.now();
    this.sendReport({ type: 'report', v: PROTOCOL_VERSION, ...this.envelope, steps });
  }
}
