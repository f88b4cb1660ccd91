// Collectives that may overlap on a transport need distinct tags (see @ringtrain/collective's OpTag). Gradient
// buckets use bucket ids 0..n-1 under the step they belong to; the other collectives of a run take ids from the
// top of the u32 range, so a fast rank's next gradient bucket can never match a slow rank's pending evaluation.

/** The initial (or resumed) state broadcast from rank 0: first its shape and position, then the values. */
export const STATE_META_BUCKET = 0xffff_ffef;
export const STATE_BROADCAST_BUCKET = 0xffff_fff0;
/** The all-reduce of the evaluation sums at an epoch end. */
export const EVALUATION_BUCKET = 0xffff_fff1;
/** The communication threads' ports, gathered when a generation starts (comm-thread/join-ring.ts). */
export const COMM_THREAD_PORTS_BUCKET = 0xffff_fff2;
