// Liveness defaults of the control plane (fault tolerance tunes them further).

/** Exit status of a process ended by a signal, as shells report it. */
export const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

/** How long the coordinator waits for every worker to say hello, in seconds. */
export const DEFAULT_RENDEZVOUS_TIMEOUT_S = 300;
/** A worker that sends nothing (heartbeats go every second) for this long is dead, in seconds. */
export const DEFAULT_HEARTBEAT_TIMEOUT_S = 30;
/** Heartbeats go every second: a timeout must leave room for a few of them to be late. */
export const MIN_HEARTBEAT_TIMEOUT_S = 3;
/** How long a worker keeps retrying to reach the coordinator, in seconds. */
export const DEFAULT_CONNECT_TIMEOUT_S = 60;
