// Same-machine links over a Unix domain socket instead of TCP. On Linux every data-plane listener also listens
// on an abstract Unix socket named after its TCP address, and a pull link to a peer tries that name first: the
// bytes then skip the TCP/IP stack (segmentation, ACKs, softirqs) while the WebSocket framing, the handshake and
// the token check stay exactly as they are (measured against TCP in the README, "All-reduce benchmark"). Abstract names live in the network namespace, not the file system: they
// vanish with the process (no stale socket files), and a name can only be reached from where the TCP address
// itself is reachable on the same kernel. The name is unique because the TCP address it is derived from is: a
// listener registers it only after binding host:port. A peer whose name does not answer (another machine, another
// network namespace, macOS, or a listener with Unix sockets turned off) is reached over TCP as before.

/** Whether this platform has abstract Unix socket names (Linux only). */
export const LOCAL_SOCKETS_SUPPORTED = process.platform === 'linux';

/** The abstract socket name of the data-plane listener bound to host:port (a leading NUL makes it abstract). */
export function localSocketName(host: string, port: number): string {
  return `\0ringtrain-data-plane/${host}:${port}`;
}

/** Errors of a connect to a local socket name that mean "no such listener here": use TCP instead. */
export function noLocalListener(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ECONNREFUSED' || err.code === 'ENOENT';
}
