// Refused links and malformed frames are logged, but a flood of them (a port scan, a fuzzer, a misconfigured
// peer retrying) must not bury the run's own output: at most `burst` lines per window, then one line saying how
// many were left out.

export function rateLimitedLog(log: (line: string) => void, { burst = 10, windowMs = 10_000 } = {}, now: () => number = Date.now): (line: string) => void {
  let windowStart = -Infinity;
  let shown = 0;
  let suppressed = 0;
  return (line) => {
    const t = now();
    if (t - windowStart >= windowMs) {
      if (suppressed > 0) log(`(${suppressed} similar lines left out in the last ${Math.round((t - windowStart) / 1000)} s)`);
      windowStart = t;
      shown = 0;
      suppressed = 0;
    }
    if (shown < burst) {
      shown += 1;
      log(line);
    } else {
      suppressed += 1;
    }
  };
}
