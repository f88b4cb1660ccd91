// Which process is at the other end of a Unix domain socket, as the kernel knows it (SO_PEERCRED): what a peer says
// of itself can be made up, this cannot.

import type { Socket } from 'node:net';
import { addon, descriptor } from './addon.js';

/**
 * The pid of the process at the other end of a connected Unix socket, as this process's PID namespace sees it (0
 * when it cannot see it), or why it cannot be known (no addon, not a Unix socket, closed). Never throws.
 */
export function peerProcess(socket: Socket): number | string {
  if (process.platform !== 'linux') return `peer credentials are read on Linux only (this is ${process.platform})`;
  const native = addon();
  if (typeof native === 'string') return native;
  const fd = descriptor(socket);
  if (fd === undefined) return 'the socket has no file descriptor (not connected, or closed)';
  try {
    return native.peerPid(fd);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
