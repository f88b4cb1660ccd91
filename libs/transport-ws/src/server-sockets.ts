// Stopping a server for good. closeAllConnections() only reaches HTTP connections: sockets still in a TLS
// handshake, or handed over to WebSocket, stay open, and close() waits for them - up to the 120 s TLS handshake
// timeout for a port scanner's idle connection. So every accepted socket is tracked and destroyed at the end.

import type { Server, Socket } from 'node:net';

/** Tracks `server`'s sockets; the returned function stops listening and destroys them all. */
export function trackSockets(server: Server): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
}
