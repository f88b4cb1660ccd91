// The files a run leaves in --out: metrics.jsonl (one JSON object per line, appended as the run goes, so a
// crashed run still has its history), summary.json (written once at the end, atomically: a reader never
// sees half a file), and while an elastic run goes, its record for a coordinator started again.

import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@ringtrain/common';
import type { PersistedRun } from './membership/index.js';

/** The record of a running elastic run in --out, for a coordinator started again on it; removed at the end. */
export const RUN_STATE_FILE = 'coordinator-run.json';

/** Writes `text` to `path` atomically (temp file + rename): a reader never sees half a file. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, text);
  await rename(temp, path);
}

/**
 * The record a coordinator left in `dir` while its elastic run was going, or undefined when there is none (no run,
 * or it ended). A file that is not such a record is refused naming it.
 */
export async function loadPersistedRun(dir: string): Promise<PersistedRun | undefined> {
  const path = join(dir, RUN_STATE_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let record: Partial<PersistedRun> | undefined;
  try {
    record = JSON.parse(text) as Partial<PersistedRun>;
  } catch {
    record = undefined;
  }
  const integers = [record?.startedAtMs, record?.generation, record?.members, record?.evaluations, record?.joins];
  if (record?.version !== 1 || typeof record.configHash !== 'string' || !integers.every((n) => Number.isSafeInteger(n) && n! >= 0) || typeof record.totals !== 'object') {
    throw new InvalidArgumentError(`${path} is not a coordinator's run record (delete it to start a new run in this --out)`, { subject: path });
  }
  return record as PersistedRun;
}

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

  private saving: Promise<void> | undefined;
  private nextRecord: PersistedRun | undefined;

  /** Keeps `record` as the run's state; writes one at a time, and of several waiting only the newest. */
  saveRun(record: PersistedRun): void {
    this.nextRecord = record;
    this.saving ??= this.drainRecords();
  }

  private async drainRecords(): Promise<void> {
    for (let record = this.nextRecord; record !== undefined; record = this.nextRecord) {
      this.nextRecord = undefined;
      await writeAtomically(join(this.dir, RUN_STATE_FILE), `${JSON.stringify(record)}\n`).catch(() => undefined);
    }
    this.saving = undefined;
  }

  appendMetrics(record: object): void {
    this.metrics.write(`${JSON.stringify(record)}\n`);
  }

  /** Writes summary.json (temp file + rename), closes metrics.jsonl, removes the run record. Returns the summary's path. */
  async finish(summary: object): Promise<string> {
    await new Promise<void>((resolve) => this.metrics.end(() => resolve()));
    this.nextRecord = undefined;
    await this.saving;
    await rm(join(this.dir, RUN_STATE_FILE), { force: true });
    const path = join(this.dir, 'summary.json');
    await writeAtomically(path, `${JSON.stringify(summary, null, 2)}\n`);
    return path;
  }
}
