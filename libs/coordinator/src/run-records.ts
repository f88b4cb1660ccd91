// The files a run leaves in --out: metrics.jsonl (one JSON object per line, appended as the run goes, so a
// crashed run still has its history) and summary.json (written once at the end, atomically: a reader never
// sees half a file).

import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@ringtrain/common';

export class RunRecords {
  private constructor(
    private readonly dir: string,
    private readonly metrics: WriteStream,
  ) {}

  /**
   * Creates `dir` if needed and opens metrics.jsonl in it: fresh, or with `append` (a resumed run) after the
   * lines of the run it continues.
   */
  static async open(dir: string, { append = false } = {}): Promise<RunRecords> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw new InvalidArgumentError(`--out ${dir}: cannot create the directory (${(err as Error).message})`, { subject: dir }, { cause: err });
    }
    const metrics = createWriteStream(join(dir, 'metrics.jsonl'), { flags: append ? 'a' : 'w' });
    await new Promise<void>((resolve, reject) => {
      metrics.once('open', () => resolve());
      metrics.once('error', (err) => reject(new InvalidArgumentError(`--out ${dir}: cannot write metrics.jsonl (${err.message})`, { subject: dir }, { cause: err })));
    });
    return new RunRecords(dir, metrics);
  }

  appendMetrics(record: object): void {
    this.metrics.write(`${JSON.stringify(record)}\n`);
  }

  /** Writes summary.json (temp file + rename) and closes metrics.jsonl. Returns the summary's path. */
  async finish(summary: object): Promise<string> {
    await new Promise<void>((resolve) => this.metrics.end(() => resolve()));
    const path = join(this.dir, 'summary.json');
    const temp = `${path}.tmp-${process.pid}`;
    await writeFile(temp, `${JSON.stringify(summary, null, 2)}\n`);
    await rename(temp, path);
    return path;
  }
}
