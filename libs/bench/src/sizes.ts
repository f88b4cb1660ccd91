import { InvalidArgumentError } from '@ringtrain/common';

const UNITS: Record<string, number> = { '': 1, K: 1 << 10, M: 1 << 20, G: 1 << 30 };

/** Parses a byte size like 4096, 64K, 1M, 1.5G (binary units, as nccl-tests and the gloo anchor use). */
export function parseSize(text: string, option = '--sizes'): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)(?:i?B)?$/i.exec(text.trim());
  const bytes = m ? Math.floor(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!) : NaN;
  if (!Number.isFinite(bytes) || bytes < 4) {
    throw new InvalidArgumentError(`${option}: "${text}" is not a size of at least 4 bytes (examples: 4096, 64K, 16M, 1G)`, { subject: option });
  }
  return bytes;
}

/** Parses a comma-separated list of positive integers (e.g. --workers 2,4). */
export function parseCountList(text: string, option: string, min = 1, max = 64): number[] {
  const items = text.split(',').map((s) => s.trim());
  return items.map((s) => {
    const n = /^\d+$/.test(s) ? Number(s) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${option}: "${s}" must be an integer from ${min} to ${max}`, { subject: option });
    }
    return n;
  });
}

export function parseSizeList(text: string, option = '--sizes'): number[] {
  return text.split(',').map((s) => parseSize(s, option));
}

/** 1048576 -> "1M", 1536 -> "1.5K": the inverse of parseSize for table labels. */
export function formatSize(bytes: number): string {
  for (const unit of ['G', 'M', 'K'] as const) {
    const v = bytes / UNITS[unit]!;
    if (v >= 1) return `${Number.isInteger(v) ? v : v.toFixed(1)}${unit}`;
  }
  return String(bytes);
}
