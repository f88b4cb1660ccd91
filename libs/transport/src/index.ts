export type { MessageTag, PayloadSink, Transport } from './transport.js';
export { formatTag } from './transport.js';
export { Mailbox } from './mailbox.js';
export type { Waiter } from './mailbox.js';
export { MemoryTransport } from './memory-transport.js';
export { checkPeer } from './validate.js';
