// How a run ended: the coordinator's exit code and the record written to summary.json (DESIGN.md lists its
// fields; they are snake_case because they are a file format, not TypeScript API).

/** The error a failed run ended with. `code` is a stable code (ErrorCodes, or the one a worker sent). */
export interface RunErrorInfo {
  readonly code: string;
  readonly message: string;
}

/** summary.json. Numbers the run never measured are null, not absent, so every key stays in the JSON. */
export interface RunSummary {
  /** Ranks of the final generation (the planned world size if training never started). */
  readonly world_size: number;
  /** Evaluations seen, i.e. epochs completed in this run. */
  readonly epochs: number;
  /** Optimizer steps of the run: from done, else the last committed step + 1; null when neither is known. */
  readonly steps: number | null;
  /** Samples per optimizer step in the final generation, when the config has batchSize and accumSteps. */
  readonly global_batch_size: number | null;
  readonly samples_per_second: number | null;
  readonly wall_seconds: number;
  /** Mean over ranks of the time spent in forward and backward passes. */
  readonly compute_seconds: number | null;
  /** Mean over ranks of the time spent waiting on gradient communication. */
  readonly comm_seconds: number | null;
  /** Mean over ranks of the loss of the last committed step. */
  readonly final_train_loss: number | null;
  readonly test_loss: number | null;
  readonly test_accuracy: number | null;
  /** Indexed by rank: the final parameter hash of each rank's done message, '' for a rank that sent none. */
  readonly param_hashes: readonly string[];
  /** Workers that joined the run after it started (restarted by a launcher, or new), over all generations. */
  readonly restarts: number;
  /** The final ring generation: 0, raised by every reform of an elastic run. */
  readonly generation: number;
  readonly status: 'ok' | 'failed';
  readonly error: RunErrorInfo | null;
  /** ISO 8601 (UTC) of the coordinator's start and of the run's end. */
  readonly started_at: string;
  readonly finished_at: string;
}

/** What the coordinator app does at the end: exit with `exitCode`, write `summary`. */
export interface RunResult {
  readonly ok: boolean;
  /** 0 on success, 1 on a failed run, 128 + signal number when interrupted. */
  readonly exitCode: number;
  /** Absent on success. */
  readonly error?: RunErrorInfo;
  readonly summary: RunSummary;
}
