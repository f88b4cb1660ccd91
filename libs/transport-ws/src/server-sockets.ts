// The HTTP(S) server under a WebSocket endpoint (the coordinator's and every data-plane listener): it answers
// plain requests with 426, drops malformed ones, serves TLS when given a certificate, and can be stopped for good.
// closeAllConnections() only reaches HTTP connections: sockets still in a TLS handshake, or handed over to
// WebSocket, stay open, and close() waits for them - up to the TLS handshake timeout for a port scanner's idle
// connection. So every accepted socket is tracked and destroyed at the end.

import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';

export interface UpgradeServer {
  server: Server;
  /** Stops listening and destroys every accepted socket. */
  shutDown: () => Promise<void>;
}

/** `what` names the endpoint in the 426 answer; `tls` (PEM contents) makes it HTTPS. Not listening yet. */
export function upgradeServer(what: string, tls: { cert: string | Buffer; key: string | Buffer } | undefined): UpgradeServer {
  const body = `ringtrain ${what}: WebSocket upgrade required\n`;
  const server: Server = tls
    ? createTlsServer({ cert: tls.cert, key: tls.key, handshakeTimeout: 10_000 }, (_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end(body))
    : createServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end(body));
  server.on('clientError', (_err, socket) => socket.destroy());
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const shutDown = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return { server, shutDown };
}
