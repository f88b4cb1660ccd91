// @ringtrain/native-socket: socket options Node does not expose for stream sockets, through an N-API addon built
// at install time. Optional by design: when the addon did not build, setSendBuffer says why and sockets keep the
// kernel's defaults.

export { probeUnixSendBuffer, setSendBuffer, type SendBufferResult } from './send-buffer.js';
