export { WebSocketTransport } from './websocket-transport.js';
export type { PeerAddress, WebSocketTransportOptions } from './websocket-transport.js';
export { DataFrameParser } from './frame-parser.js';
export type { FrameParserEvents, MessageSink } from './frame-parser.js';
export { tokenMatches } from './auth.js';
