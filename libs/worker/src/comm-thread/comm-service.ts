// The communication thread's side (DDP's reducer thread, Horovod's background thread): it owns a data plane of
// its own and all-reduces gradient buckets in place in the main thread's SIMD memory, on its own event loop. The
// main thread's tfjs compute is synchronous, so a ring running there advances only between passes; here it runs
// while the backward pass goes on. Loaded by comm-thread-entry.ts, after the SIMD arena is in place.

import { parentPort, workerData } from 'node:worker_threads';
import { AbortedError, ErrorCodes, isRingtrainError, reviveError, RunError, serializeError, TransportError } from '@ringtrain/common';
import { allReduce } from '@ringtrain/collective';
import { simdMemory } from '@ringtrain/simd';
import { DataPlane, type WebSocketTransport } from '@ringtrain/transport-ws';
import type { CommThreadData, FromCommThread, ToCommThread } from './messages.js';

const port = parentPort!;
const data = workerData as CommThreadData;
const post = (message: FromCommThread): void => port.postMessage(message);

let transport: WebSocketTransport | undefined;
/** Cancels the current generation's all-reduces. */
let cancel = new AbortController();

async function leave(): Promise<void> {
  cancel.abort(new AbortedError('the communication thread left the generation'));
  const closing = transport;
  transport = undefined;
  await closing?.close().catch(() => undefined);
}

function reduce(m: Extract<ToCommThread, { type: 'allReduce' }>): void {
  if (transport === undefined) {
    const error = new TransportError(ErrorCodes.CLOSED, 'all-reduce on the communication thread outside a ring generation', { step: m.step });
    post({ type: 'failed', id: m.id, error: serializeError(error) });
    return;
  }
  allReduce(transport, simdMemory.view(m.address, m.length), {
    op: 'average',
    tag: { step: m.step, bucket: m.bucket },
    wireDtype: m.wireDtype,
    timeoutMs: m.timeoutMs,
    signal: cancel.signal,
  }).then(
    () => post({ type: 'done', id: m.id }),
    (err: unknown) => post({ type: 'failed', id: m.id, error: serializeError(asRunFailure(err)) }),
  );
}

/**
 * Nothing the thread is given is a person's input: an E_INVALID_ARGUMENT from in here (its arena is full, say)
 * fails the run (exit 1), not as bad input (exit 2).
 */
function asRunFailure(err: unknown): unknown {
  if (!isRingtrainError(err) || err.code !== ErrorCodes.INVALID_ARGUMENT) return err;
  return new RunError(ErrorCodes.WORKER_FAILED, `the communication thread failed: ${err.detail}`, err.context);
}

try {
  // No onNotice: whether links use Unix sockets was decided, and said, by the main thread (chooseLocalSockets), and a
  // link that could still not get its send buffer is said by the main thread's plane on the same machine.
  const plane = await DataPlane.listen({ ...data.plane, onError: (err) => post({ type: 'error', error: serializeError(err) }) });
  port.on('message', (m: ToCommThread) => {
    switch (m.type) {
      case 'join':
        cancel = new AbortController();
        transport = plane.join({ rank: m.rank, worldSize: m.worldSize, generation: m.generation });
        transport.setPeers([m.left]);
        transport.sharedMemoryFrom(m.left.rank).then(() => post({ type: 'sharedMemory', from: m.left.rank }), () => undefined);
        return;
      case 'allReduce':
        return reduce(m);
      case 'abort':
        return cancel.abort(reviveError(m.error));
      case 'leave':
        return void leave().then(() => post({ type: 'left' }));
      case 'close':
        return void leave()
          .then(() => plane.close())
          .catch(() => undefined)
          .then(() => {
            post({ type: 'closed' });
            port.close(); // nothing else keeps the thread alive: it ends
          });
    }
  });
  post({ type: 'listening', port: plane.address.port });
} catch (err) {
  post({ type: 'error', error: serializeError(err) });
}
