// The bench commands print their tables a row at a time, as each measurement ends (a run can take minutes).

/**
 * A printer of rows as they come: `format` renders one row as a two-line table (header, row); the header is
 * printed before the first row only.
 */
export function tablePrinter<T>(format: (row: T) => string): (row: T) => void {
  let printed = 0;
  return (row) => {
    const [header, line] = format(row).split('\n');
    process.stdout.write(`${printed++ === 0 ? `${header}\n` : ''}${line}\n`);
  };
}
