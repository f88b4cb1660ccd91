// Small, fast inputs for in-process training tests: a slice of the embedded MNIST digits and run configs.

import { resolveConfig, type RunConfig } from '@ringtrain/config';
import { loadMnist, type Dataset, type DatasetSplit } from '@ringtrain/data';
import { selectBackend } from '@ringtrain/models';
import { MemoryTransport } from '@ringtrain/transport';
import { train, type StepReport, type TrainerOptions, type TrainingTotals } from '../src/index.js';

function head(split: DatasetSplit, n: number): DatasetSplit {
  const row = split.inputs.length / split.size;
  return { size: n, inputs: split.inputs.subarray(0, n * row), labels: split.labels.subarray(0, n) };
}

/** The first `numTrain` training and `numTest` test digits of the embedded MNIST set. */
export async function mnistSlice(numTrain: number, numTest: number): Promise<Dataset> {
  await selectBackend('wasm');
  const full = await loadMnist();
  return { ...full, numTrain, numTest, train: head(full.train, numTrain), test: head(full.test, numTest) };
}

export function config(flags: Partial<RunConfig>): RunConfig {
  return resolveConfig({ flags: { backend: 'wasm', model: 'mlp', epochs: 1, lr: 0.05, momentum: 0.9, hashEvery: 0, ...flags } });
}

export interface RankRun {
  reports: StepReport[];
  totals: TrainingTotals;
}

/** Trains `worldSize` ranks in this process over the in-memory transport. */
export async function trainRanks(worldSize: number, runConfig: RunConfig, dataset: Dataset, extra: (rank: number) => Partial<TrainerOptions> = () => ({})): Promise<RankRun[]> {
  const transports = MemoryTransport.createGroup(worldSize);
  return Promise.all(
    transports.map(async (transport, rank) => {
      const reports: StepReport[] = [];
      const totals = await train({ config: runConfig, transport, dataset, hooks: { onStep: (r) => reports.push(r) }, ...extra(rank) });
      return { reports, totals };
    }),
  );
}
