#!/usr/bin/env node
// Fault-injection report for the README: real `ringtrain launch` runs of 3 workers (mlp on mnist, 2 epochs, batch
// 16 x accumulation 2) into which one fault is injected at a random logged step, per scenario and repetition:
//   - kill -9 of a worker, --min-workers 2 (the ring re-forms from the 2 survivors);
//   - kill -9 of a worker, --max-restarts 1 (the launcher restarts it and it rejoins);
//   - SIGSTOP of a worker, --min-workers 2 (the coordinator notices the silence and removes it).
//   - kill -9 of the coordinator (`ringtrain coordinator` with 3 `ringtrain worker`s, --min-workers 2), then the
//     same coordinator command started again: it picks the run up from its record in --out.
// Per run: exit code, whether it hung (no exit within --deadline seconds), steps redone (from the committed
// steps the reform continued after to the step the lost worker was in, inclusive), time from the fault to the reform line,
// time from the fault to the first step logged after the reform, final accuracy, whether the replicas agree.
// Times are wall-clock on this shared machine, taken from when output lines arrive; medians over repetitions.
// Usage: node tools/fault-report.mjs [--repeat 3] [--deadline 240] [--json FILE]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { repeat: { type: 'string', default: '3' }, deadline: { type: 'string', default: '240' }, json: { type: 'string' } } });
const median = (xs) => (xs.length === 0 ? null : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
const TRAIN = ['--epochs', '2', '--batch-size', '16', '--accum-steps', '2', '--heartbeat-timeout', '3', '--log-every', '1'];
const SCENARIOS = [
  { name: 'kill -9, --min-workers 2', args: ['--min-workers', '2'], signal: 'SIGKILL', local: 1 },
  { name: 'kill -9, --max-restarts 1', args: ['--max-restarts', '1'], signal: 'SIGKILL', local: 2 },
  { name: 'SIGSTOP, --min-workers 2', args: ['--min-workers', '2'], signal: 'SIGSTOP', local: 1 },
  { name: 'coordinator kill -9, started again', args: ['--min-workers', '2'], signal: 'SIGKILL', coordinator: true },
];
const BIN = join(root, 'apps/cli/bin/ringtrain.mjs');

/**
 * One run with one fault: resolves with what happened. Worker faults run under `launch`; the coordinator fault
 * runs `ringtrain coordinator` and 3 `ringtrain worker`s, kills the coordinator and starts the same command again.
 */
function run(scenario, faultStep) {
  const out = mkdtempSync(join(tmpdir(), 'ringtrain-faults-'));
  const lines = []; // [ms since start, text]
  const t0 = Date.now();
  const children = [];
  let victim;
  let faultAt;
  const start = (args, env = {}) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    const onData = (chunk) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop();
      for (const text of parts) onLine(text);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    children.push({ child, closed: new Promise((done) => child.once('close', done)) });
    return child;
  };
  const port = 20000 + Math.floor(Math.random() * 20000);
  const coordinatorArgs = ['coordinator', '--port', String(port), '--world-size', '3', '--token', 'faults', ...TRAIN, ...scenario.args, '--out', out];
  let main = scenario.coordinator ? start(coordinatorArgs) : start(['launch', '--nproc-per-node', '3', ...TRAIN, ...scenario.args, '--out', out]);
  if (scenario.coordinator) {
    victim = main.pid;
    for (const local of ['0', '1', '2']) start(['worker', '--rdzv-endpoint', `127.0.0.1:${port}`, '--token', 'faults', '--heartbeat-timeout', '3'], { LOCAL_RANK: local, LOCAL_WORLD_SIZE: '3' });
  }
  function onLine(text) {
    lines.push([Date.now() - t0, text]);
    const joined = !scenario.coordinator && text.match(new RegExp(`worker \\S+ \\(pid (\\d+), node rank 0, local rank ${scenario.local}\\) joined \\(`));
    if (joined) victim = Number(joined[1]);
    if (faultAt === undefined && victim !== undefined && text.startsWith(`step ${faultStep}/`)) {
      faultAt = Date.now() - t0;
      process.kill(victim, scenario.signal);
      if (scenario.coordinator) main = start(coordinatorArgs);
    }
  }
  return new Promise((resolve) => {
    const deadline = setTimeout(() => children.forEach(({ child }) => child.kill('SIGKILL')), Number(values.deadline) * 1000);
    const settle = async () => {
      // The run's verdict is the last coordinator's (or launcher's) exit; every process must be gone too.
      let started;
      do {
        started = children.length;
        await Promise.all(children.map(({ closed }) => closed));
      } while (children.length !== started);
      const code = main.exitCode;
      clearTimeout(deadline);
      const hung = code === null;
      const text = lines.map(([, line]) => line).join('\n');
      const reform = lines.find(([ms, line]) => ms >= faultAt && /^generation \d+: /.test(line));
      const resumed = reform && lines.find(([ms, line]) => ms >= reform[0] && /^step \d+\//.test(line));
      const lost = text.match(/disconnected at step (\d+)|sent nothing for \d+ ms \(at step (\d+)\)/);
      const committed = reform?.[1].match(/continuing after (\d+) committed steps/);
      let summary = null;
      try {
        summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      } catch {
        // no summary: the run crashed before writing it
      }
      resolve({
        scenario: scenario.name,
        faultStep,
        exitCode: code,
        hung,
        completed: code === 0 && summary?.status === 'ok',
        // The lost worker was in step `lost`; the survivors continue after `committed` steps: they redo that step
        // and any they finished that the lost worker did not report.
        stepsRedone: lost && committed ? Number(lost[1] ?? lost[2]) - Number(committed[1]) + 1 : null,
        reformMs: reform && faultAt !== undefined ? reform[0] - faultAt : null,
        resumeMs: resumed && faultAt !== undefined ? resumed[0] - faultAt : null,
        testAccuracy: summary?.test_accuracy ?? null,
        replicasAgree: summary ? new Set(summary.param_hashes).size === 1 : false,
        generation: summary?.generation ?? null,
        restarts: summary?.restarts ?? null,
      });
    };
    void settle();
  });
}

const results = [];
for (let r = 0; r < Number(values.repeat); r++) {
  for (const scenario of SCENARIOS) {
    const result = await run(scenario, 5 + Math.floor(Math.random() * 50));
    results.push(result);
    console.error(JSON.stringify(result));
  }
}
console.log('| fault | runs | completed | hangs | steps redone (max) | fault -> reform, median | fault -> training again, median | test accuracy (median) | replicas identical |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const scenario of SCENARIOS) {
  const rs = results.filter((r) => r.scenario === scenario.name);
  const ms = (xs) => (median(xs) === null ? '-' : `${(median(xs) / 1000).toFixed(1)} s`);
  console.log(
    `| ${scenario.name} | ${rs.length} | ${rs.filter((r) => r.completed).length} | ${rs.filter((r) => r.hung).length} | ${rs.some((r) => r.stepsRedone !== null) ? Math.max(...rs.flatMap((r) => r.stepsRedone ?? [])) : '-'} | ` +
      `${ms(rs.flatMap((r) => r.reformMs ?? []))} | ${ms(rs.flatMap((r) => r.resumeMs ?? []))} | ${median(rs.flatMap((r) => r.testAccuracy ?? []))?.toFixed(4) ?? '-'} | ${rs.filter((r) => r.replicasAgree).length}/${rs.length} |`,
  );
}
if (values.json) writeFileSync(values.json, JSON.stringify({ results }, null, 2));
