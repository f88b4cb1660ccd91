import { InvalidArgumentError } from '@ringtrain/common';

/** The typed arrays datasets store rows in. */
export type RowArray = Float32Array | Int32Array;

/**
 * Copies rows `indices[0..]` of `source` (rows of `rowLength` values) into consecutive rows of `target`,
 * starting at row 0. Rows are copied with TypedArray.set (a memcpy), which for mnist's 784-value rows beats an
 * element loop despite the view object per row. Rows of one value (labels) are assigned directly. Throws
 * InvalidArgumentError for an index that is not a row of `source`.
 */
export function gatherRows<T extends RowArray>(source: T, rowLength: number, indices: ArrayLike<number>, target: T): void {
  const rows = source.length / rowLength;
  for (let k = 0; k < indices.length; k++) {
    const row = indices[k]!;
    if (!Number.isInteger(row) || row < 0 || row >= rows) {
      throw new InvalidArgumentError(`sample index ${row} is not in [0, ${rows})`, { subject: 'indices' });
    }
    if (rowLength === 1) target[k] = source[row]!;
    else target.set(source.subarray(row * rowLength, (row + 1) * rowLength), k * rowLength);
  }
}
