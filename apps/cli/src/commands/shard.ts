// `ringtrain shard`: the dataset indices one rank trains on in one epoch, exactly as the training loop's
// DistributedSampler hands them out (libs/data), to check sharding, padding and shuffling from the outside.
import { Command } from 'commander';
import { DistributedSampler } from '@ringtrain/data';
import { numberOption } from '../number-option.js';
import { action } from '../run-command.js';

/** How many of the rank's indices the summary lists. */
const PREVIEW_INDICES = 16;

interface ShardFlags {
  datasetSize: number;
  worldSize: number;
  rank: number;
  epoch: number;
  seed: number;
  shuffle: boolean;
  dropLast?: boolean;
  json?: boolean;
}

function formatSummary(sampler: DistributedSampler, indices: Int32Array): string {
  const { datasetSize, totalSize } = sampler;
  // totalSize = numSamples · worldSize is padded up to (or, with drop_last, cut down to) a multiple of the world size.
  const adjustment =
    totalSize > datasetSize
      ? `${totalSize - datasetSize} padded by repeating the start of the order`
      : totalSize < datasetSize
        ? `${datasetSize - totalSize} dropped from the end of the order`
        : 'no padding';
  const order = sampler.shuffle ? `shuffled with seed ${sampler.seed} + epoch ${sampler.epoch}` : 'not shuffled';
  const preview = indices.length === 0 ? '(none)' : Array.from(indices.subarray(0, PREVIEW_INDICES)).join(', ');
  return [
    `rank ${sampler.rank} of world size ${sampler.worldSize}, epoch ${sampler.epoch}, ${order}`,
    `num samples ${sampler.numSamples} per rank; dataset size ${datasetSize}, total size ${totalSize} (${adjustment})`,
    `indices: ${preview}${indices.length > PREVIEW_INDICES ? `, ... (${indices.length - PREVIEW_INDICES} more; --json prints all)` : ''}`,
  ].join('\n');
}

async function printShard(flags: ShardFlags): Promise<void> {
  const sampler = new DistributedSampler({
    datasetSize: flags.datasetSize,
    worldSize: flags.worldSize,
    rank: flags.rank,
    shuffle: flags.shuffle,
    seed: flags.seed,
    dropLast: flags.dropLast ?? false,
  });
  sampler.setEpoch(flags.epoch);
  const indices = sampler.indices();
  process.stdout.write(`${flags.json ? JSON.stringify(Array.from(indices)) : formatSummary(sampler, indices)}\n`);
}

export function shardCommand(): Command {
  // Ranges (world size >= 1, rank < world size, ...) are checked by DistributedSampler, which names the flag.
  return new Command('shard')
    .description("print the dataset indices one rank gets in one epoch, as the training loop's DistributedSampler yields them")
    .requiredOption('--dataset-size <n>', 'number of samples in the dataset', numberOption('--dataset-size'))
    .requiredOption('--world-size <n>', 'number of ranks sharing the dataset', numberOption('--world-size'))
    .requiredOption('--rank <r>', 'the rank to show, in [0, world size)', numberOption('--rank'))
    .option('--epoch <e>', 'epoch; the shuffled order depends on seed + epoch', numberOption('--epoch'), 0)
    .option('--seed <s>', 'shuffle seed, the same on every rank', numberOption('--seed'), 0)
    .option('--no-shuffle', 'keep the dataset order (torch: shuffle=False)')
    .option('--drop-last', 'drop the tail so the dataset divides evenly, instead of padding it')
    .option('--json', 'print a JSON array of the indices and nothing else')
    .action(action(printShard));
}
