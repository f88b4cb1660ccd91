// The figures nccl-tests reports, with the same definitions (and the schema DESIGN.md fixes for
// `bench allreduce --json`): algbw = bytes / time; busbw = algbw * 2(N-1)/N, the rate each link
// actually carries in a ring, comparable across world sizes.

export interface AllReduceResult {
  workers: number;
  bytes: number;
  time_ms: number;
  algbw_gbps: number;
  busbw_gbps: number;
  /** Peak resident memory of the hungriest worker, over its baseline before the buffer existed, in MiB. */
  peak_rss_over_baseline_mib?: number;
  /** CPU time per iteration a worker spent in user mode / in the kernel, mean over the workers, in ms. */
  cpu_user_ms?: number;
  cpu_system_ms?: number;
  /**
   * What carried the ring's payloads in the timed runs, as the workers saw it: shared memory (slots of Unix socket
   * links, the CLI's default on Linux, for payloads of 64 KiB to 4 MiB), Unix sockets carrying the payloads
   * themselves, or TCP on loopback (gloo's route). When workers saw different routes, the least capable one.
   */
  links?: 'shared memory' | 'unix socket' | 'tcp';
}

export function makeResult(workers: number, bytes: number, seconds: number): AllReduceResult {
  const algbw = bytes / seconds / 1e9;
  return { workers, bytes, time_ms: seconds * 1e3, algbw_gbps: algbw, busbw_gbps: (algbw * 2 * (workers - 1)) / workers };
}

/** Timed iterations for a size: as many as fit ~200 MB of traffic, between 3 and 50 (as the gloo anchor does). */
export function defaultIters(bytes: number): number {
  return Math.max(3, Math.min(50, Math.floor(2e8 / bytes)));
}
