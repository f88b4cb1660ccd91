// The run record of an elastic run in --out: kept while it goes (newest wins), read by a coordinator started
// again, refused when it is not one, and gone once the run has its summary.

import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { persistedRun, type PersistedRun } from './membership/index.js';
import { drive, step0Events, STARTED_AT, trainingRun } from './membership/test-support.js';
import { loadPersistedRun, RUN_STATE_FILE, RunRecords } from './run-records.js';

const record: PersistedRun = persistedRun(drive(trainingRun({ minWorkers: 2 }), step0Events(STARTED_AT + 5_000)).state);

describe('the run record', () => {
  it('is saved (the newest of several), read back equal, and removed by finish', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringtrain-records-'));
    expect(await loadPersistedRun(dir)).toBeUndefined();
    const records = await RunRecords.open(dir);
    records.saveRun({ ...record, generation: 1 });
    records.saveRun({ ...record, generation: 2 });
    records.saveRun(record);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await loadPersistedRun(dir)).toEqual(record);
    await records.finish({ status: 'ok' });
    expect(existsSync(join(dir, RUN_STATE_FILE))).toBe(false);
    expect(existsSync(join(dir, 'summary.json'))).toBe(true);
  });

  it('refuses a file that is not a record, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringtrain-records-'));
    writeFileSync(join(dir, RUN_STATE_FILE), '{"version":1,"generation":-1}');
    await expect(loadPersistedRun(dir)).rejects.toThrow(`${join(dir, RUN_STATE_FILE)} is not a coordinator's run record`);
  });
});
