// In-memory snapshots for elastic runs: the state of this rank after each optimizer step, kept until the
// coordinator commits a later step (every rank reported it). When the ring re-forms, every rank goes back to the
// last committed step, the newest state every rank is known to have reached, and training continues from there.
// Snapshots are taken after every step because a commit arrives asynchronously, when this rank may already be a
// step or two further. Parameters and model state go into recycled buffers; the optimizer's slots are copied by its
// exportState (an array per slot and step).

import { ErrorCodes, RunError, TimeoutError } from '@ringtrain/common';
import type { OptimizerState } from '@ringtrain/optim';
import type { Replica } from './replica.js';
import type { TrainingPosition } from './state-broadcast.js';

interface Snapshot {
  position: TrainingPosition;
  params: Float32Array;
  state: Float32Array;
  optimizer: OptimizerState;
}

export interface SnapshotStoreOptions {
  /**
   * Uncommitted snapshots kept at most; a rank that is this many steps ahead of the last commit waits for the next
   * one (the coordinator commits when every rank reported, so only a stuck coordinator makes it wait). Default 16.
   */
  capacity?: number;
  /** Bound on that wait, in ms (--comm-timeout-ms). */
  waitTimeoutMs: number;
}

export class SnapshotStore {
  /** Ascending by step; the first is the base: the last commit this rank heard of, or where training started. */
  private kept: Snapshot[] = [];
  private readonly spare: Snapshot[] = [];
  private readonly capacity: number;
  private wake: (() => void) | undefined;
  /** The newest commit heard of, in optimizer steps. */
  private latestCommit = -1;

  constructor(private readonly opts: SnapshotStoreOptions) {
    this.capacity = opts.capacity ?? 16;
  }

  /** Drops every snapshot and keeps the replica's state at `position` as the base (a generation's start). */
  reset(replica: Replica, position: TrainingPosition): void {
    this.spare.push(...this.kept);
    this.kept = [];
    this.latestCommit = -1;
    this.take(replica, position);
  }

  /** Records the replica's state at `position` (after a step). */
  take(replica: Replica, position: TrainingPosition): void {
    const snapshot = this.spare.pop() ?? { position, params: new Float32Array(replica.params.length), state: new Float32Array(replica.state.length), optimizer: replica.optimizerState() };
    snapshot.position = position;
    snapshot.params.set(replica.params);
    snapshot.state.set(replica.state);
    snapshot.optimizer = replica.optimizerState();
    this.kept.push(snapshot);
    this.prune();
  }

  /**
   * The coordinator committed `steps` optimizer steps: snapshots before that one are no longer needed. A commit of
   * a step this rank has not snapshotted yet takes effect when it has.
   */
  commit(steps: number): void {
    this.latestCommit = Math.max(this.latestCommit, steps);
    this.prune();
  }

  private prune(): void {
    const index = this.kept.findIndex((snapshot) => snapshot.position.step === this.latestCommit);
    if (index <= 0) return;
    this.spare.push(...this.kept.splice(0, index));
    this.wake?.();
  }

  /** Optimizer steps of the oldest and newest snapshot kept, or undefined before the first. */
  range(): { fromSteps: number; toSteps: number } | undefined {
    if (this.kept.length === 0) return undefined;
    return { fromSteps: this.kept[0]!.position.step, toSteps: this.kept.at(-1)!.position.step };
  }

  /** Steps taken since the base. */
  get uncommitted(): number {
    return this.kept.length - 1;
  }

  /** Resolves once fewer than `capacity` snapshots wait for a commit; rejects after waitTimeoutMs or on `signal`. */
  async room(signal: AbortSignal | undefined): Promise<void> {
    while (this.uncommitted >= this.capacity) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const settle = (outcome: () => void): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          this.wake = undefined;
          outcome();
        };
        const done = (): void => settle(resolve);
        const timer = setTimeout(
          () => settle(() => reject(new TimeoutError(`no commit from the coordinator within ${this.opts.waitTimeoutMs} ms while ${this.uncommitted} steps ahead of the last one`))),
          this.opts.waitTimeoutMs,
        );
        this.wake = done;
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  /**
   * Puts the replica back to the snapshot after `committedSteps` steps, or to the base when undefined (nothing was
   * ever committed), drops the newer ones, and returns the position to continue from; undefined when no snapshot
   * was taken yet (the replica is as it was before any training of this process). Throws when that snapshot
   * is not kept: the coordinator committed a step this rank never reached, which cannot happen in one run.
   */
  restore(replica: Replica, committedSteps: number | undefined): TrainingPosition | undefined {
    // Nothing taken yet (the ring broke during this process's first broadcast): nothing trained to undo.
    if (this.kept.length === 0) return undefined;
    const index = committedSteps === undefined ? 0 : this.kept.findIndex((snapshot) => snapshot.position.step === committedSteps);
    if (index < 0) {
      const held = this.kept.map((snapshot) => snapshot.position.step).join(', ');
      throw new RunError(ErrorCodes.WORKER_FAILED, `no snapshot after ${committedSteps} steps to roll back to (held: ${held})`, { step: committedSteps });
    }
    const snapshot = this.kept[index]!;
    replica.params.set(snapshot.params);
    replica.state.set(snapshot.state);
    replica.optimizer.importState(snapshot.optimizer);
    replica.pushToModel();
    this.spare.push(...this.kept.splice(index + 1));
    this.spare.push(...this.kept.splice(0, index));
    return snapshot.position;
  }
}
