import { InvalidArgumentError } from '@ringtrain/common';
import { describe, expect, it } from 'vitest';
import { loadDataset } from './load-dataset.js';

describe('loadDataset', () => {
  it('builds shapes and synthetic from the run seed and their options', async () => {
    const shapes = await loadDataset('shapes', { seed: 9, shapes: { imageSize: 16, numTrain: 12, numTest: 3 } });
    expect(shapes).toMatchObject({ name: 'shapes', inputShape: [16, 16, 1], numTrain: 12, numTest: 3 });
    const synthetic = await loadDataset('synthetic', { seed: 9, synthetic: { inputDim: 2, numTrain: 5, numTest: 2 } });
    expect(synthetic).toMatchObject({ name: 'synthetic', task: 'regression', inputShape: [2], numTrain: 5 });
    const otherSeed = await loadDataset('synthetic', { seed: 10, synthetic: { inputDim: 2, numTrain: 5, numTest: 2 } });
    expect(Array.from(otherSeed.train.inputs)).not.toEqual(Array.from(synthetic.train.inputs));
  });

  it('rejects an unknown name, listing the known ones', async () => {
    const failure = loadDataset('cifar10');
    await expect(failure).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(failure).rejects.toThrow('unknown dataset "cifar10": known datasets are mnist, idx:DIR, shapes, synthetic');
    await expect(failure).rejects.toMatchObject({ context: { subject: '--dataset' } });
  });

  it('rejects idx: without a directory, and names a missing one', async () => {
    await expect(loadDataset('idx:')).rejects.toThrow(/idx: needs a directory/);
    await expect(loadDataset('idx:/nonexistent/ringtrain-data')).rejects.toThrow('idx dataset directory /nonexistent/ringtrain-data does not exist');
  });
});
