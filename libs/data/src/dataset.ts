// The one shape every dataset has, so the worker can train on any of them without knowing which: plain typed
// arrays (the worker wraps them in tensors), sample-major, images in HWC order so a batch is NHWC.

/** What the labels mean: class ids (softmax cross-entropy) or real-valued targets (mean squared error). */
export type DatasetTask = 'classification' | 'regression';

/** One split (train or test) of a dataset. */
export interface DatasetSplit {
  /** Number of samples. */
  readonly size: number;
  /**
   * Inputs, sample i at [i * sampleSize(inputShape), (i + 1) * sampleSize(inputShape)), each sample in
   * inputShape order (rows, columns, channels for images). Image pixels are normalised to [0, 1].
   */
  readonly inputs: Float32Array;
  /**
   * classification: an Int32Array of one class id in [0, numClasses) per sample.
   * regression: a Float32Array of targetSize values per sample.
   */
  readonly labels: Int32Array | Float32Array;
  /**
   * Detection datasets only (shapes): 4 values per sample, the object's box as [yMin, xMin, yMax, xMax] in
   * fractions of the image height and width (tf.image's box order).
   */
  readonly boxes?: Float32Array;
}

export interface Dataset {
  /** The spec it was loaded from: 'mnist', 'idx:/data/fashion', 'shapes', 'synthetic'. */
  readonly name: string;
  readonly task: DatasetTask;
  /** Shape of one sample: [height, width, channels] for images, [features] for vectors. */
  readonly inputShape: readonly number[];
  /** Number of classes for classification; 0 for regression. */
  readonly numClasses: number;
  /** Label values per sample: 1 (a class id) for classification, the output width for regression. */
  readonly targetSize: number;
  readonly numTrain: number;
  readonly numTest: number;
  readonly train: DatasetSplit;
  readonly test: DatasetSplit;
}

/** Number of values in one sample of `shape` (the product of its dimensions). */
export function sampleSize(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** A classification dataset from its splits (numTrain and numTest follow from them). */
export function classificationDataset(
  name: string,
  inputShape: readonly number[],
  numClasses: number,
  train: DatasetSplit,
  test: DatasetSplit,
): Dataset {
  return { name, task: 'classification', inputShape, numClasses, targetSize: 1, numTrain: train.size, numTest: test.size, train, test };
}
