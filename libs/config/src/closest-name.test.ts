import { describe, expect, it } from 'vitest';
import { closestName } from './closest-name.js';

const NAMES = ['batch-size', 'bucket-mb', 'epochs', 'lr', 'l2', 'momentum', 't0', 't-max'];

describe('closestName', () => {
  it('ignores case, dashes and underscores', () => {
    expect(closestName('batchSize', NAMES)).toBe('batch-size');
    expect(closestName('BATCH_SIZE', NAMES)).toBe('batch-size');
    expect(closestName('tmax', NAMES)).toBe('t-max');
  });

  it('suggests the nearest name within one edit per three letters, at most two', () => {
    expect(closestName('epoch', NAMES)).toBe('epochs'); // one deletion
    expect(closestName('momentun', NAMES)).toBe('momentum'); // one substitution
    expect(closestName('mometnum', NAMES)).toBe('momentum'); // two substitutions (a swap)
    expect(closestName('bach-siz', NAMES)).toBe('batch-size'); // two insertions
    expect(closestName('bch-sze', NAMES)).toBeUndefined(); // three edits
  });

  it('matches short names only exactly, since one edit turns any of them into another', () => {
    expect(closestName('LR', NAMES)).toBe('lr');
    expect(closestName('l3', NAMES)).toBeUndefined();
    expect(closestName('t1', NAMES)).toBeUndefined();
  });
});
