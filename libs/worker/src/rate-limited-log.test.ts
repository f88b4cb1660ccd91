import { describe, expect, it } from 'vitest';
import { rateLimitedLog } from './rate-limited-log.js';

describe('rateLimitedLog', () => {
  it('passes `burst` lines per window, then counts the rest and says so when the next window opens', () => {
    const lines: string[] = [];
    let t = 0;
    const log = rateLimitedLog((l) => lines.push(l), { burst: 2, windowMs: 1000 }, () => t);
    for (let i = 0; i < 5; i++) log(`refused ${i}`);
    expect(lines).toEqual(['refused 0', 'refused 1']);
    t = 1500;
    log('refused 5');
    expect(lines).toEqual(['refused 0', 'refused 1', '(3 similar lines left out in the last 2 s)', 'refused 5']);
  });
});
