export { WebSocketTransport } from './websocket-transport.js';
export type { PeerAddress, WebSocketTransportOptions } from './websocket-transport.js';
export { readDataFrame } from './frame-reader.js';
export { tokenMatches } from './auth.js';
