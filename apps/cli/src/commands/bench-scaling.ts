// `ringtrain bench scaling`: one training run per world size on this machine, each a `ringtrain launch` of its own
// with the same TRAIN OPTIONS, and a table of their throughput: speedup and scaling efficiency over the smallest
// world size (libs/bench/src/scaling.ts has the definitions). Every run keeps its directory (config, log,
// metrics.jsonl, summary.json) under --out, or under a temporary directory the header names.

import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { ErrorCodes, InvalidArgumentError, RunError } from '@ringtrain/common';
import { toConfigFile, type RunConfig } from '@ringtrain/config';
import { integerOption } from '../number-option.js';
import { action, EXIT_USAGE } from '../run-command.js';
import { spawnSelf } from '../self-spawn.js';
import { addTrainOptions, trainConfig } from '../train-options.js';

interface ScalingFlags {
  workers: string;
  warmup: number;
  json?: string;
}

/** Lines of a failed run's log quoted in the error. */
const LOG_TAIL_LINES = 5;

/** Trains `config` with `workers` local workers (`ringtrain launch`) in `dir`; resolves to its metrics.jsonl. */
async function launchRun(workers: number, config: RunConfig, dir: string): Promise<{ metrics: string; source: string }> {
  await mkdir(dir, { recursive: true });
  const configFile = join(dir, 'config.json');
  await writeFile(configFile, `${JSON.stringify({ ...toConfigFile(config), out: dir }, null, 1)}\n`);
  const logFile = join(dir, 'launch.log');
  const log = openSync(logFile, 'w');
  let code: number | null;
  try {
    const child = spawnSelf(['launch', '--nproc-per-node', String(workers), '--config', configFile], {}, ['ignore', log, log]);
    code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('exit', (exitCode) => resolve(exitCode)));
  } finally {
    closeSync(log);
  }
  if (code !== 0) {
    const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n  ');
    const detail = `the ${workers}-worker run failed (exit code ${code}; its log: ${logFile}):\n  ${tail}`;
    // A run that refused its input (a dataset it cannot read, say) is bad input here too.
    throw code === EXIT_USAGE ? new InvalidArgumentError(detail, { subject: 'TRAIN OPTIONS' }) : new RunError(ErrorCodes.WORKER_FAILED, detail);
  }
  const source = join(dir, 'metrics.jsonl');
  return { metrics: await readFile(source, 'utf8'), source };
}

async function benchScaling(cmd: Command): Promise<void> {
  const { formatScalingTable, parseCountList, runScalingBench } = await import('@ringtrain/bench');
  const flags = cmd.opts<ScalingFlags>();
  const workers = parseCountList(flags.workers, '--workers', 1, 64);
  // One epoch unless told otherwise: enough steps to time, and the bench's runs are several.
  const config = await trainConfig(cmd, { epochs: 1 });
  const root = config.out ?? (await mkdtemp(join(tmpdir(), 'ringtrain-scaling-')));
  const cores = availableParallelism();
  process.stdout.write(
    `# ringtrain scaling: model ${config.model}, dataset ${config.dataset}, batch ${config.batchSize} per worker x ${config.accumSteps} accumulation step(s), ` +
      `${config.epochs} epoch(s), backend ${config.backend}, node ${process.version}, ${cores} cores\n` +
      `# each world size is a \`ringtrain launch\` in ${root}/workers-N; figures over its steps after the first ${flags.warmup}, ` +
      'every step paced by its slowest rank: mean step, compute and comm; samples/s = samples / step time; speedup and efficiency over the first row\n' +
      (Math.max(...workers) > cores ? `# more workers than cores: workers share cores, so efficiency falls whatever the communication costs\n` : ''),
  );
  let printed = 0;
  const rows = await runScalingBench({
    workers,
    warmup: flags.warmup,
    train: (count) => launchRun(count, config, join(root, `workers-${count}`)),
    onRow: (row) => {
      const lines = formatScalingTable([row]).split('\n');
      process.stdout.write(`${printed++ === 0 ? `${lines[0]}\n` : ''}${lines[1]}\n`);
    },
  });
  if (flags.json) {
    await writeFile(flags.json, `${JSON.stringify({ results: rows, config: toConfigFile(config) }, null, 1)}\n`);
    process.stdout.write(`# wrote ${flags.json}\n`);
  }
}

export function scalingCommand(): Command {
  const cmd = new Command('scaling')
    .description('train with each world size in turn on this machine (ringtrain launch) and compare throughput: speedup and scaling efficiency')
    .option('--workers <list>', 'world sizes, comma-separated; run from the smallest up', '1,2,4')
    .addOption(new Option('--warmup <n>', 'first steps of every run left out of its figures').argParser(integerOption('--warmup', 0)).default(5))
    .option('--json <file>', 'also write {"results":[{workers,steps,step_ms,compute_ms,comm_ms,samples_per_second,speedup,scaling_efficiency}],"config":{...}} to FILE');
  addTrainOptions(cmd);
  return cmd.action(action(() => benchScaling(cmd)));
}
