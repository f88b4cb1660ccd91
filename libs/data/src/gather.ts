import { InvalidArgumentError } from '@ringtrain/common';

/** The typed arrays datasets store rows in. */
export type RowArray = Float32Array | Int32Array;

/**
 * Copies rows `indices[0..]` of `source` (rows of `rowLength` values) into consecutive rows of `target`,
 * starting at row 0. A plain element loop rather than target.set(source.subarray(...)): subarray would make
 * a view object per sample, and this runs for every sample of every step. Throws InvalidArgumentError for an
 * index that is not a row of `source`.
 */
export function gatherRows<T extends RowArray>(source: T, rowLength: number, indices: ArrayLike<number>, target: T): void {
  const rows = source.length / rowLength;
  for (let k = 0; k < indices.length; k++) {
    const row = indices[k]!;
    if (!Number.isInteger(row) || row < 0 || row >= rows) {
      throw new InvalidArgumentError(`sample index ${row} is not in [0, ${rows})`, { subject: 'indices' });
    }
    const from = row * rowLength;
    const to = k * rowLength;
    for (let j = 0; j < rowLength; j++) target[to + j] = source[from + j]!;
  }
}
