#!/usr/bin/env node
// The transport floor on this machine: N Node processes in a ring, each sending BYTES to its right
// neighbour while receiving BYTES from its left one over plain TCP on loopback (the receiver reads into
// one reusable buffer, as ringtrain's pull links do). No framing, no reduction, no ringtrain code: what
// an all-reduce over TCP in Node cannot beat. A ring all-reduce moves 2(N-1)/N of the buffer per rank,
// so compare with BYTES = that amount (64 MiB all-reduce, 4 workers: 96 MiB). With --unix the ring's links are
// abstract Unix sockets instead (what ringtrain's data plane uses between the processes of one machine on Linux).
// Usage: node tools/raw-tcp-ring.mjs [--workers 4] [--mib 96] [--iters 10] [--unix]
import { fork } from 'node:child_process';
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { workers: { type: 'string', default: '4' }, mib: { type: 'string', default: '96' }, iters: { type: 'string', default: '10' }, rank: { type: 'string' }, unix: { type: 'boolean', default: false } } });
const N = Number(values.workers);
const BYTES = Number(values.mib) << 20;
const ITERS = Number(values.iters);
const WRITE = 1 << 20;

if (values.rank === undefined) {
  const kids = Array.from({ length: N }, (_, r) => fork(process.argv[1], ['--workers', values.workers, '--mib', values.mib, '--iters', values.iters, '--rank', String(r), ...(values.unix ? ['--unix'] : [])]));
  const ports = [];
  const times = [];
  kids.forEach((k, r) =>
    k.on('message', (m) => {
      if (m.port) {
        ports[r] = m.port;
        if (ports.filter(Boolean).length === N) for (const kk of kids) kk.send(ports);
      } else if (times.push(m.ms) === N) {
        const ms = Math.max(...times);
        console.log(`${N} processes, ${values.mib} MiB each way per iteration: ${ms.toFixed(1)} ms (slowest rank), ${(BYTES / ms / 1e6).toFixed(2)} GB/s per link`);
        for (const kk of kids) kk.kill();
      }
    }),
  );
} else {
  const rank = Number(values.rank);
  let received = 0;
  let done;
  const allReceived = new Promise((r) => (done = r));
  let accepted;
  const outgoing = new Promise((r) => (accepted = r));
  const server = net.createServer((s) => accepted(s.setNoDelay(true))); // the right neighbour pulls from us
  // Over --unix the "port" handed around is the socket's abstract name.
  if (values.unix) server.listen(`\0raw-ring-${process.pid}`, () => process.send({ port: server.address() }));
  else server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.once('message', async (ports) => {
    const left = ports[(rank + N - 1) % N];
    const onread = { buffer: Buffer.allocUnsafe(256 << 10), callback: (n) => void ((received += n) >= BYTES * ITERS && done()) };
    const socket = net.connect(values.unix ? { path: left, onread } : { port: left, host: '127.0.0.1', onread });
    await new Promise((r) => socket.on('connect', r));
    const out = await outgoing;
    const data = Buffer.alloc(BYTES, 1);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    for (let i = 0; i < ITERS; i++) {
      const writes = [];
      for (let at = 0; at < BYTES; at += WRITE) writes.push(new Promise((r) => out.write(data.subarray(at, at + WRITE), r)));
      await Promise.all(writes);
    }
    await allReceived;
    process.send({ ms: (performance.now() - t0) / ITERS });
  });
}
