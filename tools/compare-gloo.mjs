#!/usr/bin/env node
// Runs ringtrain's all-reduce benchmark and torch.distributed's gloo anchor (../shared/anchors) back to
// back with the same world sizes and sizes, and prints busbw side by side with the ratio. The machine is
// shared and noisy, so only ratios from one run mean anything; repeat (--repeat N) and read the medians.
// With --iters N both sides time N iterations per size instead of the anchor's 3-50 (3 at 64 MiB): gloo then
// runs through tools/gloo_allreduce_iters.py, which measures as the anchor does, over N iterations, and
// reports the slowest rank as ringtrain's benchmark does.
// ringtrain runs three times in every round: with its default on Linux (Unix sockets, payloads through shared
// memory: shm), over Unix sockets carrying the payloads (--no-shared-memory: unix), and over TCP on loopback
// (--no-unix-sockets: tcp, what gloo uses).
// Needs Debian's python3-torch (apt-get install -y python3-torch).
// Usage: node tools/compare-gloo.mjs [--workers 2,4] [--sizes 1M,16M,64M] [--repeat 3] [--iters N]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './run-metrics.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { workers: { type: 'string', default: '2,4' }, sizes: { type: 'string', default: '1M,16M,64M' }, repeat: { type: 'string', default: '3' }, iters: { type: 'string' } } });
const anchor = join(root, '..', 'shared', 'anchors', 'gloo_allreduce.py');
const dir = mkdtempSync(join(tmpdir(), 'ringtrain-vs-gloo-'));
/** ringtrain's routes, with the flags that choose them. */
const ROUTES = [['shm', []], ['unix', ['--no-shared-memory']], ['tcp', ['--no-unix-sockets']]];
const runs = { shm: [], unix: [], tcp: [], gloo: [] };
for (let r = 0; r < Number(values.repeat); r++) {
  const iters = values.iters === undefined ? [] : ['--iters', values.iters];
  const gloo = values.iters === undefined ? anchor : join(root, 'tools', 'gloo_allreduce_iters.py');
  for (const [name, flags] of ROUTES) {
    const ours = join(dir, `ringtrain-${name}-${r}.json`);
    execFileSync(process.execPath, [join(root, 'apps/cli/bin/ringtrain.mjs'), 'bench', 'allreduce', '--workers', values.workers, '--sizes', values.sizes, ...iters, ...flags, '--json', ours], { stdio: 'ignore' });
    runs[name].push(JSON.parse(readFileSync(ours, 'utf8')).results);
  }
  const theirs = join(dir, `gloo-${r}.json`);
  execFileSync('/usr/bin/python3', [gloo, '--workers', values.workers, '--sizes', values.sizes, ...iters, '--json', theirs], { stdio: 'ignore' });
  runs.gloo.push(JSON.parse(readFileSync(theirs, 'utf8')).results);
}
const key = (row) => `${row.workers}/${row.bytes}`;
const busbw = (name) => {
  const by = new Map();
  for (const run of runs[name]) for (const row of run) by.set(key(row), [...(by.get(key(row)) ?? []), row.busbw_gbps]);
  return by;
};
const ours = ROUTES.map(([name]) => busbw(name));
const theirs = busbw('gloo');
console.log(`median busbw (GB/s) over ${values.repeat} alternating runs, ${values.iters ?? "the anchor's 3-50"} timed iterations per size`);
console.log('workers  bytes       shm    unix     tcp    gloo  shm/gloo  unix/gloo  tcp/gloo');
for (const k of ours[0].keys()) {
  const [w, b] = k.split('/');
  const mine = ours.map((by) => median(by.get(k) ?? [NaN]));
  const g = median(theirs.get(k) ?? [NaN]);
  const cols = mine.map((x) => x.toFixed(3).padStart(6)).join('  ');
  const ratios = mine.map((x, i) => (x / g).toFixed(2).padStart([8, 9, 8][i])).join('  ');
  console.log(`${w.padStart(7)}  ${b.padStart(9)}  ${cols}  ${g.toFixed(3).padStart(6)}  ${ratios}`);
}
