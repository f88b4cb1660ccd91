// The native addon (../native), loaded once per thread; when it did not build, the reason instead.

import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

/** The addon's functions: send-buffer.c, peer-credentials.c and shared-region.c. */
export interface Addon {
  setSendBuffer(fd: number, bytes: number): number;
  probeUnixSendBuffer(bytes: number): number;
  peerPid(fd: number): number;
  createSharedRegion(region: Uint8Array): { fd: number; inode: number };
  openSharedRegion(region: Uint8Array, pid: number, fd: number, inode: number): void;
  unmapSharedRegion(region: Uint8Array): void;
  closeSharedRegion(fd: number): void;
  pageBytes(): number;
}

let loaded: Addon | string | undefined;

/** The addon, or why it cannot be used; loaded once per thread. */
export function addon(): Addon | string {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('../build/Release/ringtrain_socket.node') as Addon;
    } catch (error) {
      const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
      loaded = `the native addon is not built (${why}); \`npm rebuild @ringtrain/native-socket\` shows why (it needs a C compiler and Node's headers)`;
    }
  }
  return loaded;
}

/**
 * The socket's descriptor. libuv's handle carries it as `fd` (not a documented property, but there on Unix since
 * Node's early days); -1 or absent on Windows, before connecting and after closing.
 */
export function descriptor(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}
