// A line plot of a series in the terminal, drawn with Unicode braille: each character cell holds a 2x4 grid of
// dots, so a plot `width` characters wide and `height` rows tall has 2·width x 4·height dots. No npm plotting
// library is installed in the workspace, and this is all the schedule command needs.

/** Bit of the dot at (dx, dy) in a braille cell, dx in 0..1 (left, right), dy in 0..3 (top to bottom); U+2800 + bits. */
const DOT_BITS = [
  [0x01, 0x08],
  [0x02, 0x10],
  [0x04, 0x20],
  [0x40, 0x80],
] as const;
const BRAILLE_BLANK = 0x2800;

export interface PlotOptions {
  /** Plot area width in terminal columns (two dot columns each). Default 60. */
  width?: number;
  /** Plot area height in terminal rows (four dot rows each). Default 10. */
  height?: number;
}

/** Four significant digits, without trailing zeros: enough to read an axis. */
function axisLabel(value: number): string {
  return String(Number(value.toPrecision(4)));
}

/**
 * Plots valueAt(0..length-1) left to right, y scaled from the series' minimum (bottom row) to its maximum (top
 * row); a constant series is drawn across the middle. When there are more points than dot columns, each column
 * spans a run of consecutive points and draws their whole range, so no spike is lost. Every column also reaches to
 * the last point of the column before it, which joins the dots into one line, jumps (restarts) included.
 * `length` must be at least 1. Returns the lines joined, with y labels on the left and the x range (first and last
 * index) underneath.
 */
export function braillePlot(valueAt: (index: number) => number, length: number, { width = 60, height = 10 }: PlotOptions = {}): string {
  const dotColumns = Math.min(2 * width, length);
  const dotRows = 4 * height;
  // Column c covers points [start(c), start(c + 1)): runs of equal length, to within one point.
  const start = (c: number) => Math.floor((c * length) / dotColumns);
  const low = new Float64Array(dotColumns);
  const high = new Float64Array(dotColumns);
  const last = new Float64Array(dotColumns);
  for (let c = 0; c < dotColumns; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    let value = NaN;
    for (let i = start(c); i < start(c + 1); i++) {
      value = valueAt(i);
      lo = Math.min(lo, value);
      hi = Math.max(hi, value);
    }
    low[c] = lo;
    high[c] = hi;
    last[c] = value;
  }
  const yMin = Math.min(...low);
  const yMax = Math.max(...high);
  // Dot row of a value: 0 at yMax, dotRows - 1 at yMin.
  const rowOf = (v: number) => (yMax === yMin ? Math.floor((dotRows - 1) / 2) : Math.round(((yMax - v) / (yMax - yMin)) * (dotRows - 1)));

  const cellColumns = Math.ceil(dotColumns / 2);
  const cells = new Uint8Array(cellColumns * height);
  for (let c = 0; c < dotColumns; c++) {
    const joined = c === 0 ? low[c]! : last[c - 1]!;
    const top = rowOf(Math.max(high[c]!, joined));
    const bottom = rowOf(Math.min(low[c]!, joined));
    for (let r = top; r <= bottom; r++) {
      cells[Math.floor(r / 4) * cellColumns + Math.floor(c / 2)]! |= DOT_BITS[r % 4]![c % 2]!;
    }
  }

  // y labels: the maximum on the top row and the minimum on the bottom row, or one label on a constant's row.
  const labels = new Array<string>(height).fill('');
  if (yMax === yMin) {
    labels[Math.floor(rowOf(yMax) / 4)] = axisLabel(yMax);
  } else {
    labels[height - 1] = axisLabel(yMin);
    labels[0] = axisLabel(yMax); // on a one-row plot, the maximum
  }
  const labelWidth = Math.max(...labels.map((label) => label.length));
  const lines: string[] = [];
  for (let row = 0; row < height; row++) {
    const label = labels[row]!;
    const dots = String.fromCharCode(...Array.from(cells.subarray(row * cellColumns, (row + 1) * cellColumns), (bits) => BRAILLE_BLANK + bits));
    lines.push(`${label.padStart(labelWidth)} ${label === '' ? '│' : '┤'}${dots}`);
  }
  const margin = ' '.repeat(labelWidth + 1);
  const lastIndex = String(length - 1);
  lines.push(`${margin}└${'─'.repeat(cellColumns)}`);
  lines.push(`${margin} 0${lastIndex.padStart(Math.max(cellColumns - 1, lastIndex.length + 1))}`);
  return lines.join('\n');
}
