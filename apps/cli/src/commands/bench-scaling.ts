// `ringtrain bench scaling`: one training run per world size on this machine, each a `ringtrain launch` of its own
// with the same TRAIN OPTIONS, and a table of their throughput: speedup and scaling efficiency over the smallest
// world size (libs/bench/src/scaling.ts has the definitions). Every run keeps its directory (config, log,
// metrics.jsonl, summary.json) under --out, or under a temporary directory the header names.

import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { ScalingRow } from '@ringtrain/bench';
import { ErrorCodes, InvalidArgumentError, RunError } from '@ringtrain/common';
import { toConfigFile, type RunConfig } from '@ringtrain/config';
import { exitStatus } from '@ringtrain/launcher';
import { integerOption } from '../number-option.js';
import { action, EXIT_USAGE } from '../run-command.js';
import { spawnSelf } from '../self-spawn.js';
import { addTrainOptions, trainConfig } from '../train-options.js';
import { tablePrinter } from './table-printer.js';

interface ScalingFlags {
  workers: string;
  warmup: number;
  json?: string;
  bindTo: 'core' | 'none';
}

/** Signals the bench passes on to the run in progress, which stops its workers (launch's own handling). */
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** A rank's error line in a launch's log: `[rank R] error: E_...: what went wrong`. */
const RANK_ERROR = /^\[rank (\d+)\] error: (.*)$/;

/** What a failed launch's log says went wrong: the first rank's error, else the launcher's own, else its last line. */
function cause(logFile: string): string {
  const lines = readFileSync(logFile, 'utf8').trimEnd().split('\n');
  for (const line of lines) {
    const match = RANK_ERROR.exec(line);
    if (match) return `rank ${match[1]}: ${match[2]}`;
  }
  return lines.findLast((line) => line.startsWith('ringtrain: ') && !line.includes('RINGTRAIN_DEBUG'))?.slice('ringtrain: '.length) ?? lines.at(-1) ?? '';
}

/**
 * Trains `config` with `workers` local workers (`ringtrain launch`) in `dir`; resolves to its metrics.jsonl. A
 * SIGINT or SIGTERM to the bench stops the run and then the bench, with the shell's status for that signal.
 */
async function launchRun(workers: number, config: RunConfig, bindTo: ScalingFlags['bindTo'], dir: string): Promise<{ metrics: string; source: string }> {
  await mkdir(dir, { recursive: true });
  const configFile = join(dir, 'config.json');
  // Each world size checkpoints into its own directory: runs that shared one would resume from each other.
  const runConfig = { ...toConfigFile(config), out: dir, ...(config.checkpointDir === undefined ? {} : { 'checkpoint-dir': join(config.checkpointDir, `workers-${workers}`) }) };
  await writeFile(configFile, `${JSON.stringify(runConfig, null, 1)}\n`);
  const logFile = join(dir, 'launch.log');
  const log = openSync(logFile, 'w');
  const args = ['launch', '--nproc-per-node', String(workers), '--bind-to', bindTo, '--config', configFile];
  // One node of its own: without the torchrun variables (PET_NNODES, PET_RDZV_ENDPOINT, ...) the bench's environment
  // may hold, which launch would follow.
  const env: Record<string, string | undefined> = Object.fromEntries(Object.keys(process.env).filter((name) => name.startsWith('PET_')).map((name) => [name, undefined]));
  if (config.token !== undefined) env.RINGTRAIN_TOKEN = config.token;
  let stoppedBy: NodeJS.Signals | undefined;
  let status: number;
  try {
    const child = spawnSelf(args, env, ['ignore', log, log]);
    const forward = (signal: NodeJS.Signals): void => {
      stoppedBy = signal;
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    try {
      status = await new Promise<number>((resolve, reject) => child.once('error', reject).once('exit', (code, signal) => resolve(exitStatus(code, signal))));
    } finally {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    }
  } finally {
    closeSync(log);
  }
  if (stoppedBy !== undefined) process.exit(exitStatus(null, stoppedBy));
  if (status !== 0) {
    const detail = `the ${workers}-worker run failed with exit status ${status}: ${cause(logFile)} (its log: ${logFile})`;
    // A run that refused its input (a dataset it cannot read, say) is bad input here too.
    throw status === EXIT_USAGE ? new InvalidArgumentError(detail, { subject: 'TRAIN OPTIONS' }) : new RunError(ErrorCodes.WORKER_FAILED, detail);
  }
  const source = join(dir, 'metrics.jsonl');
  return { metrics: await readFile(source, 'utf8'), source };
}

/** Writes the rows so far to `file` (after every run: a failure later keeps what was measured). */
async function writeJson(file: string, rows: readonly ScalingRow[], config: RunConfig): Promise<void> {
  try {
    await writeFile(file, `${JSON.stringify({ results: rows, config: toConfigFile(config) }, null, 1)}\n`);
  } catch (err) {
    throw new InvalidArgumentError(`--json ${file}: cannot write it (${(err as Error).message})`, { subject: '--json' });
  }
}

async function benchScaling(cmd: Command): Promise<void> {
  const { formatScalingTable, parseCountList, runScalingBench } = await import('@ringtrain/bench');
  const flags = cmd.opts<ScalingFlags>();
  const workers = parseCountList(flags.workers, '--workers', 1, 64);
  const config = await trainConfig(cmd);
  if (config.resume !== undefined) throw new InvalidArgumentError('--resume: every world size trains the same run from its start; nothing to resume', { subject: '--resume' });
  const json = flags.json;
  if (json !== undefined) await writeJson(json, [], config); // an unwritable path fails now, not after the runs
  const root = config.out ?? (await mkdtemp(join(tmpdir(), 'ringtrain-scaling-')));
  const cores = availableParallelism();
  process.stdout.write(
    `# ringtrain scaling: model ${config.model}, dataset ${config.dataset}, batch ${config.batchSize} per worker x ${config.accumSteps} accumulation step(s), ` +
      `${config.epochs} epoch(s), --backend ${config.backend}, --bind-to ${flags.bindTo}, node ${process.version}, ${cores} cores\n` +
      `# each world size is a \`ringtrain launch\` in ${root}/workers-N; figures over its steps after the first ${flags.warmup}, ` +
      'every step paced by its slowest rank: mean step, compute and comm; samples/s = samples / step time; speedup and efficiency over the first row\n' +
      (Math.max(...workers) > cores ? `# more workers than cores: workers share cores, so efficiency falls whatever the communication costs\n` : ''),
  );
  const printRow = tablePrinter((row: ScalingRow) => formatScalingTable([row]));
  const done: ScalingRow[] = [];
  await runScalingBench({
    workers,
    warmup: flags.warmup,
    train: (count) => launchRun(count, config, flags.bindTo, join(root, `workers-${count}`)),
    onRow: async (row) => {
      printRow(row);
      done.push(row);
      if (json !== undefined) await writeJson(json, done, config);
    },
  });
  if (json !== undefined) process.stdout.write(`# wrote ${json}\n`);
}

export function scalingCommand(): Command {
  const cmd = new Command('scaling')
    .description('train with each world size in turn on this machine (ringtrain launch) and compare throughput: speedup and scaling efficiency')
    .option('--workers <list>', 'world sizes, comma-separated; run from the smallest up', '1,2,4')
    .addOption(new Option('--warmup <n>', "first steps of every run left out of its figures (timing only; the LR's warmup is --warmup-steps)").argParser(integerOption('--warmup', 0)).default(5))
    .addOption(new Option('--bind-to <WHAT>', "each run's launch --bind-to: core (each worker on CPUs of its own) or none").choices(['core', 'none']).default('core'))
    .option('--json <file>', 'also write {"results":[{workers,steps,step_ms,compute_ms,comm_ms,samples_per_second,speedup,scaling_efficiency}],"config":{...}} to FILE, after every run');
  // One epoch unless told otherwise: enough steps to time, and a bench runs several.
  addTrainOptions(cmd, {
    defaults: { epochs: 1 },
    descriptions: {
      out: 'root of the runs: each world size N trains in DIR/workers-N (default: a new temporary directory)',
      checkpointDir: 'root of the runs\' checkpoints: each world size N writes into DIR/workers-N (default: none)',
    },
  });
  return cmd.action(action(() => benchScaling(cmd)));
}
