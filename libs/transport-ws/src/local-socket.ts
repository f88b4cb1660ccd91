// Same-machine links over a Unix domain socket instead of TCP (DataPlaneOptions.localSockets; ringtrain's commands
// use them unless given `--no-unix-sockets`). On Linux every data-plane listener of a run with a token then also listens on an abstract Unix
// socket, and a pull link to a peer tries that socket first: the bytes then
// skip the TCP/IP stack (segmentation, ACKs, softirqs) while the WebSocket framing, the handshake and the token
// check stay exactly as they are (measured against TCP in the README, "All-reduce benchmark"). Abstract names live
// in the network namespace, not the file system: they vanish with the process (no stale socket files) and can be
// reached from where the TCP address is reachable on the same kernel.
//
// Unlike a TCP port, an abstract name belongs to whoever binds it first, and any local process may bind any name.
// So the name is an HMAC of the listener's advertised address under the run's token: a peer holding the token
// derives it from the address it was given, and a process without the token cannot compute it to bind it first
// (and collect the token from the upgrade request, which carries it). Without a token there is no local socket.

import { createHmac } from 'node:crypto';

/** Whether this platform has abstract Unix socket names (Linux only). */
export const LOCAL_SOCKETS_SUPPORTED = process.platform === 'linux';

/** The abstract socket name of the data-plane listener advertised at host:port in a run with `token`. */
export function localSocketName(token: string, host: string, port: number): string {
  const tag = createHmac('sha256', token).update(`ringtrain data plane ${host}:${port}`).digest('base64url');
  return `\0ringtrain-${tag}`;
}

/** Errors of a connect to a local socket name that mean "no such listener here": use TCP instead. */
export function noLocalListener(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ECONNREFUSED' || err.code === 'ENOENT';
}
