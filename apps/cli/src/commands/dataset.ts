// `ringtrain dataset --dataset SPEC`: loads a dataset the way a training run will and describes it, so a
// wrong path or a corrupt IDX file shows up before a cluster is launched (exit code 2, naming the file).
import { Command } from 'commander';
import { loadDataset } from '@ringtrain/data';
import { numberOption } from '../number-option.js';
import { action } from '../run-command.js';

interface DatasetFlags {
  dataset: string;
  seed: number;
  json?: boolean;
}

async function describeDataset(flags: DatasetFlags): Promise<void> {
  const ds = await loadDataset(flags.dataset, { seed: flags.seed });
  const info = { name: ds.name, task: ds.task, input_shape: ds.inputShape, num_classes: ds.numClasses, num_train: ds.numTrain, num_test: ds.numTest };
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(info)}\n`);
    return;
  }
  process.stdout.write(
    `${ds.name}: ${ds.task}, input ${ds.inputShape.join('x')}` +
      `${ds.task === 'classification' ? `, ${ds.numClasses} classes` : ''}; ${ds.numTrain} train / ${ds.numTest} test samples\n`,
  );
}

export function datasetCommand(): Command {
  return new Command('dataset')
    .description('load a dataset as a training run would and describe it (checks paths and IDX files)')
    .requiredOption('--dataset <spec>', 'mnist (embedded), idx:DIR (MNIST-layout IDX files, gzipped or not), shapes or synthetic')
    .option('--seed <n>', 'seed of the generated datasets (shapes, synthetic)', numberOption('--seed'), 0)
    .option('--json', 'print {name, task, input_shape, num_classes, num_train, num_test} as JSON')
    .action(action(describeDataset));
}
