// What one worker process carries from one ring generation to the next: its replica (model, parameters,
// optimizer), the snapshots a reform rolls back to, where the next generation starts, and the run's totals.
// A run with a fixed world has one generation and keeps no snapshots.

import { allocateVector } from '@ringtrain/simd';
import type { RunConfig } from '@ringtrain/config';
import type { Dataset } from '@ringtrain/data';
import { Replica } from './replica.js';
import { SnapshotStore } from './snapshots.js';
import type { TrainingPosition } from './state-broadcast.js';

export interface TrainingSessionOptions {
  /** Keep a snapshot after every step so a reform can roll back to the last commit (elastic runs). Default false. */
  snapshots?: boolean;
}

export class TrainingSession {
  readonly replica: Replica;
  readonly snapshots: SnapshotStore | undefined;
  /** Where this rank's next generation starts; rank 0's broadcast makes it every rank's. */
  position: TrainingPosition = { step: 0, epoch: 0, consumed: 0 };
  /** Summed over every generation of this process. */
  readonly totals = { computeMs: 0, commMs: 0 };
  /** performance.now() of this process's first step. */
  trainStart: number | undefined;
  /**
   * The vector every step all-reduces: the gradient, then the model state. It lives in the process's
   * SIMD memory while that has room (reduced in place, no staging copies), allocated once for the process. Every
   * generation reuses it; a failed generation's links cannot write into it any more because runWorker
   * closes that generation's transport (which stops its sockets reading) before the next one starts.
   */
  readonly synced: Float32Array;

  constructor(config: RunConfig, dataset: Dataset, options: TrainingSessionOptions = {}) {
    this.replica = Replica.create(config, dataset);
    this.snapshots = options.snapshots === true ? new SnapshotStore({ waitTimeoutMs: config.commTimeoutMs }) : undefined;
    this.synced = allocateVector(this.replica.params.length + this.replica.state.length);
  }

  /** The coordinator committed `steps` optimizer steps (every rank reported them). */
  committed(steps: number): void {
    this.snapshots?.commit(steps);
  }

  /** The optimizer steps this rank can roll back to (oldest, newest), for a coordinator that restarted. */
  rollbackRange(): { fromSteps: number; toSteps: number } {
    return this.snapshots?.range() ?? { fromSteps: this.position.step, toSteps: this.position.step };
  }

  /** After a reform: back to the state after `committedSteps` steps (undefined: where this generation started). */
  rollBack(committedSteps: number | undefined): void {
    this.position = this.snapshots?.restore(this.replica, committedSteps) ?? this.position;
  }
}
