// Liveness defaults of the control plane (fault tolerance tunes them further).

/** How long the coordinator waits for every worker to say hello, in seconds. */
export const DEFAULT_RENDEZVOUS_TIMEOUT_S = 300;
/** A worker that sends nothing (heartbeats go every second) for this long is dead, in ms. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000;
/** How long a worker keeps retrying to reach the coordinator, in seconds. */
export const DEFAULT_CONNECT_TIMEOUT_S = 60;
