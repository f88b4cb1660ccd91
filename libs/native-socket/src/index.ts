// @ringtrain/native-socket: what Node lacks for links between processes, through an N-API addon built at install
// time: a stream socket's send buffer, a Unix socket's peer process, and memory regions shared with another
// process of the same machine.
// Optional by design: when the addon did not build, every call says why, sockets keep the kernel's defaults and
// links carry their payloads over the socket.

export { peerProcess } from './peer-credentials.js';
export { probeUnixSendBuffer, setSendBuffer, type SendBufferResult } from './send-buffer.js';
export {
  closeSharedRegion,
  createSharedRegion,
  openSharedRegion,
  sharedRegionPageBytes,
  unmapSharedRegion,
  type SharedRegionHandle,
  type SharedRegionResult,
} from './shared-region.js';
