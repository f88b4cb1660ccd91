import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { AllReduceResult, BenchWorkerConfig } from '@ringtrain/bench';
import { InvalidArgumentError } from '@ringtrain/common';
import { action } from '../run-command.js';
import { spawnSelf } from '../self-spawn.js';
import { scalingCommand } from './bench-scaling.js';
import { tablePrinter } from './table-printer.js';

const WORKER_COMMAND = '_allreduce-worker';

function positiveInt(option: string) {
  return (text: string): number => {
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${option} must be a positive integer, got "${text}"`, { subject: option });
    return n;
  };
}

interface AllReduceFlags {
  workers: string;
  sizes: string;
  iters?: number;
  json?: string;
  wireDtype: 'float32' | 'float16';
  segmentBytes: string;
  timeoutMs: number;
  unixSockets?: boolean;
  sharedMemory?: boolean;
}

// The bench lib (and ws with it) loads only when a bench command runs, so other commands start fast.
async function benchAllReduce(flags: AllReduceFlags): Promise<void> {
  const { chooseLocalSockets, chooseSharedMemory, formatTable, parseCountList, parseSize, parseSizeList, runAllReduceBench } = await import('@ringtrain/bench');
  // Decided once here, so that the table says which route it measured and the workers do not each say why.
  const local = chooseLocalSockets(flags.unixSockets !== false);
  const localSockets = local.use;
  const shared = chooseSharedMemory(flags.sharedMemory !== false, localSockets);
  const route = !localSockets ? 'TCP loopback' : shared.use ? 'Unix sockets, payloads through shared memory' : 'Unix sockets';
  const workers = parseCountList(flags.workers, '--workers', 1, 64);
  const sizes = parseSizeList(flags.sizes, '--sizes');
  const segmentBytes = parseSize(flags.segmentBytes, '--segment-bytes');
  process.stdout.write(
    `# ringtrain all-reduce (ring, WebSocket transport, ${route}), wire ${flags.wireDtype}, segments ${flags.segmentBytes}, node ${process.version}\n` +
      [local.notice, shared.notice].map((notice) => (notice === undefined ? '' : `# ${notice}\n`)).join('') +
      '# time = slowest rank, mean of timed iterations; busbw = algbw * 2(N-1)/N (nccl-tests)\n',
  );
  const printRow = tablePrinter((row: AllReduceResult) => formatTable([row]));
  const results = await runAllReduceBench({
    workers,
    sizes,
    iters: flags.iters,
    wireDtype: flags.wireDtype,
    segmentBytes,
    timeoutMs: flags.timeoutMs,
    localSockets,
    sharedMemory: shared.use,
    spawnWorker: (config, env) => spawnSelf(['bench', WORKER_COMMAND, JSON.stringify(config)], env),
    onResult: printRow,
  });
  if (flags.json) {
    await writeFile(flags.json, `${JSON.stringify({ results }, null, 1)}\n`);
    process.stdout.write(`# wrote ${flags.json}\n`);
  }
}

async function allReduceWorker(configJson: string): Promise<void> {
  const { processChannel, runBenchWorker } = await import('@ringtrain/bench');
  const config = JSON.parse(configJson) as BenchWorkerConfig;
  const channel = processChannel();
  process.on('disconnect', () => process.exit(1)); // the orchestrator is gone: do not linger
  try {
    await runBenchWorker(config, channel, process.env.RINGTRAIN_TOKEN);
  } catch (err) {
    channel.send({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    process.removeAllListeners('disconnect');
    process.disconnect?.();
  }
}

export function benchCommand(): Command {
  const bench = new Command('bench').description('benchmarks: all-reduce bandwidth over the real transport, training throughput per world size');
  bench
    .command('allreduce')
    .description('time ring all-reduce between worker processes on loopback; prints an nccl-tests style table')
    .option('--workers <list>', 'world sizes to run, comma-separated', '2,4')
    .option('--sizes <list>', 'buffer sizes in bytes (K/M/G suffixes), comma-separated', '1M,16M,64M')
    .option('--iters <n>', 'timed iterations per size (default: as many as move ~200 MB, 3 to 50)', positiveInt('--iters'))
    .option('--json <file>', 'also write {"results":[{workers,bytes,time_ms,algbw_gbps,busbw_gbps}]} to FILE')
    .addOption(new Option('--wire-dtype <dtype>', 'float format on the wire').choices(['float32', 'float16']).default('float32'))
    .option('--segment-bytes <size>', 'payload bytes per message (pipelining granularity)', '4M')
    .option('--timeout-ms <ms>', 'bound on every network wait', positiveInt('--timeout-ms'), 60_000)
    .option('--no-unix-sockets', 'links over TCP on loopback (what gloo uses), not over Unix domain sockets (Linux)')
    .addOption(new Option('--unix-sockets').hideHelp()) // the default; the flag before it was, still accepted
    .option('--no-shared-memory', 'Unix socket links carry the payloads themselves, not through shared memory (Linux)')
    .action(action(benchAllReduce));
  bench.command(WORKER_COMMAND, { hidden: true }).argument('<config>').action(action(allReduceWorker));
  bench.addCommand(scalingCommand());
  return bench;
}
