// @ringtrain/data: DistributedSampler with torch's semantics, the datasets behind one interface, batching into
// preallocated buffers. Plain typed arrays only: the worker wraps them in tensors.

export { DistributedSampler, type BatchOptions, type DistributedSamplerOptions, type SamplerState } from './distributed-sampler.js';
export { Mulberry32, mixSeed } from './prng.js';
export { seededPermutation } from './permutation.js';
export { sampleSize, type Dataset, type DatasetSplit, type DatasetTask } from './dataset.js';
export { loadDataset, DATASET_SPECS, type LoadDatasetOptions } from './load-dataset.js';
export { loadMnist, MNIST_TEST_SIZE, MNIST_TRAIN_SIZE } from './mnist.js';
export { loadIdxDataset, IDX_FILE_NAMES } from './idx-dataset.js';
export { parseIdx, type IdxArray, type IdxDataType, type IdxExpectation } from './idx.js';
export { makeShapesDataset, SHAPE_CLASSES, type ShapesOptions } from './shapes.js';
export { makeSyntheticDataset, type SyntheticDataset, type SyntheticOptions } from './synthetic.js';
export { BatchGatherer, type Batch } from './batch.js';
