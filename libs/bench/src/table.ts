import { formatSize } from './sizes.js';
import type { AllReduceResult } from './results.js';

const COLUMNS = ['workers', 'size', 'time(ms)', 'algbw(GB/s)', 'busbw(GB/s)', 'peak RSS +MiB', 'cpu user/sys ms'] as const;

function cells(r: AllReduceResult): string[] {
  return [
    String(r.workers),
    formatSize(r.bytes),
    r.time_ms.toFixed(2),
    r.algbw_gbps.toFixed(3),
    r.busbw_gbps.toFixed(3),
    r.peak_rss_over_baseline_mib === undefined ? '-' : r.peak_rss_over_baseline_mib.toFixed(0),
    r.cpu_user_ms === undefined || r.cpu_system_ms === undefined ? '-' : `${r.cpu_user_ms.toFixed(1)}/${r.cpu_system_ms.toFixed(1)}`,
  ];
}

/** A fixed-width table: the header, then a line per row of cells, every column right-aligned. */
export function alignedTable(header: readonly string[], body: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => c.map((v, i) => v.padStart(widths[i]!)).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}

/** An nccl-tests-style fixed-width table, right-aligned. */
export function formatTable(rows: readonly AllReduceResult[]): string {
  return alignedTable(COLUMNS, rows.map(cells));
}
