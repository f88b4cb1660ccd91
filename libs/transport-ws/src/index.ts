export { DataPlane } from './data-plane.js';
export type { DataPlaneOptions, RingMembership, TlsMaterial } from './data-plane.js';
export { WebSocketTransport } from './websocket-transport.js';
export { chooseLocalSockets, type LocalSocketChoice } from './send-buffer.js';
export type { LinkRoute, PeerAddress, WebSocketTransportOptions } from './websocket-transport.js';
export { DataFrameParser } from './frame-parser.js';
export type { FrameParserEvents, MessageSink } from './frame-parser.js';
export { HEADER_ERROR_CODE, HEADER_NONCE, HEADER_PROOF, HEADER_TOKEN, newNonce, proofFor, proofMatches, tokenMatches } from './auth.js';
export { upgradeServer, type UpgradeServer } from './server-sockets.js';
