import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@ringtrain/common';
import { defaultIters, makeResult } from './results.js';
import { formatSize, parseCountList, parseSize, parseSizeList } from './sizes.js';
import { formatTable } from './table.js';

describe('benchmark options and figures', () => {
  it('parses sizes with binary units and refuses nonsense naming the option', () => {
    expect(parseSizeList('4096,64K,1M,1.5G')).toEqual([4096, 65536, 1 << 20, 1.5 * 2 ** 30]);
    expect(formatSize(1 << 20)).toBe('1M');
    expect(formatSize(1536)).toBe('1.5K');
    expect(() => parseSize('2', '--sizes')).toThrow(/--sizes: "2" is not a size of at least 4 bytes/);
    expect(() => parseSize('1X')).toThrowError(expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT }));
    expect(parseCountList('2,4', '--workers')).toEqual([2, 4]);
    expect(() => parseCountList('2,0', '--workers')).toThrow(/--workers: "0" must be an integer from 1 to 64/);
  });

  it("computes nccl-tests' algbw and busbw", () => {
    // 64 MiB in 50 ms on 4 workers: algbw = 67108864 / 0.05 / 1e9 = 1.342 GB/s, busbw = algbw * 2*3/4.
    const r = makeResult(4, 64 << 20, 0.05);
    expect(r.algbw_gbps).toBeCloseTo(1.34217728, 8);
    expect(r.busbw_gbps).toBeCloseTo(1.34217728 * 1.5, 8);
    expect(r.time_ms).toBeCloseTo(50, 10);
    expect([defaultIters(1 << 20), defaultIters(64 << 20), defaultIters(4096)]).toEqual([50, 3, 50]);
    expect(formatTable([r]).split('\n')[1]).toMatch(/^\s+4\s+64M\s+50\.00\s+1\.342\s+2\.013\s+-\s+-$/);
    const measured = { ...r, peak_rss_over_baseline_mib: 70.4, cpu_user_ms: 27.71, cpu_system_ms: 45.6 };
    expect(formatTable([measured]).split('\n')[1]).toMatch(/\s+70\s+27\.7\/45\.6$/);
  });
});
