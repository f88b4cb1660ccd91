// The coordinator as `launch` (on node rank 0) and `coordinator` run it: the server, its log lines and progress
// display, SIGINT/SIGTERM turned into an orderly interrupted run, and the final report.

import type { ErrorCode } from '@ringtrain/common';
import { configHash, formatConfig, loadTlsFiles, toConfigFile, type RunConfig } from '@ringtrain/config';
import { InvalidArgumentError } from '@ringtrain/common';
import { CoordinatorServer, loadPersistedRun, RUN_STATE_FILE, type CoordinatorOutcome } from '@ringtrain/coordinator';
import { ProgressDisplay } from './progress-display.js';

export interface CoordinatorProcessOptions {
  config: RunConfig;
  worldSize: number;
  host: string;
  port: number;
  /** How long to wait for every worker to say hello, in ms. */
  rendezvousTimeoutMs: number;
  /** A worker silent for this long is dead, in ms. */
  heartbeatTimeoutMs: number;
  /** Elastic membership (CoordinatorOptions): fewest and most workers, and how long to wait for replacements. */
  minWorkers?: number;
  maxWorkers?: number;
  replacementTimeoutMs?: number;
  /**
   * Pick up the elastic run whose record is in --out (`ringtrain coordinator` started again). `launch` does not:
   * its workers went down with the launcher that ran the coordinator, and its port is new.
   */
  pickUpRun?: boolean;
}

export interface RunningCoordinator {
  address: { host: string; port: number };
  /** Resolves once the run is over and summary.json is written; the final lines are printed. */
  outcome: Promise<CoordinatorOutcome>;
  /** Ends the run as interrupted (tells the workers to stop). */
  interrupt(signal: 'SIGINT' | 'SIGTERM'): void;
  /** Ends the run as failed for a cause the coordinator cannot see (local workers exited). */
  fail(code: ErrorCode, message: string, exitCode: number): void;
}

const write = (line: string): void => void process.stdout.write(`${line}\n`);

export async function startCoordinator(opts: CoordinatorProcessOptions): Promise<RunningCoordinator> {
  const { config } = opts;
  const display = new ProgressDisplay({ tty: process.stdout.isTTY === true, logEvery: config.logEvery, write });
  const { token, ...shared } = config;
  const tls = await loadTlsFiles(config);
  // A coordinator started again on the --out of an elastic run that is still going picks the run up.
  const recovered = config.out === undefined || opts.pickUpRun !== true ? undefined : await loadPersistedRun(config.out);
  if (recovered !== undefined && recovered.configHash !== configHash(config)) {
    throw new InvalidArgumentError(
      `--out ${config.out} holds the record of a running run with another config (${RUN_STATE_FILE}): give the same options, or another --out`,
      { subject: '--out' },
    );
  }
  const server = await CoordinatorServer.start({
    tls,
    worldSize: opts.worldSize,
    config: shared,
    configHash: configHash(config),
    configRecord: toConfigFile(config),
    hashEvery: config.hashEvery,
    rendezvousTimeoutMs: opts.rendezvousTimeoutMs,
    heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
    ...(opts.minWorkers !== undefined ? { minWorkers: opts.minWorkers } : {}),
    ...(opts.maxWorkers !== undefined ? { maxWorkers: opts.maxWorkers } : {}),
    ...(opts.replacementTimeoutMs !== undefined ? { replacementTimeoutMs: opts.replacementTimeoutMs } : {}),
    host: opts.host,
    port: opts.port,
    token,
    ...(config.out !== undefined ? { out: config.out, appendMetrics: config.resume !== undefined || recovered !== undefined } : {}),
    ...(recovered !== undefined ? { recovered } : {}),
    log: (level, text) => display.line(level === 'info' ? text : `${level}: ${text}`),
    onMetrics: (record) => display.onMetrics(record),
  });
  const waiting = recovered === undefined ? `waiting for ${opts.worldSize} worker(s)` : `picking up the run of ${config.out} in generation ${recovered.generation}: waiting for its ${recovered.members} worker(s) to come back`;
  write(`ringtrain coordinator on ${server.address.host}:${server.address.port}${tls ? ' (TLS)' : ''}, ${waiting}\nrun config:\n${formatConfig(config)}`);
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => server.interrupt(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const outcome = server.outcome.then((o) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    display.stop();
    report(o);
    return o;
  });
  return { address: server.address, outcome, interrupt: onSignal, fail: (code, message, exitCode) => server.fail(code, message, exitCode) };
}

function report({ result, summaryPath }: CoordinatorOutcome): void {
  const s = result.summary;
  if (result.ok) {
    const acc = s.test_accuracy === null ? '' : ` test_accuracy ${s.test_accuracy.toFixed(4)}`;
    const loss = s.test_loss === null ? '' : ` test_loss ${s.test_loss.toFixed(4)}`;
    write(`done: ${s.steps} steps on ${s.world_size} worker(s) in ${s.wall_seconds.toFixed(1)} s,${acc}${loss}, ${s.samples_per_second?.toFixed(0) ?? '-'} samples/s`);
  } else {
    process.stderr.write(`ringtrain: the run failed: ${result.error?.code ?? ''}: ${result.error?.message ?? 'unknown error'}\n`);
  }
  if (summaryPath) write(`summary: ${summaryPath}`);
}
