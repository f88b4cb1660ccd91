// Pure offset math for the ring (after gloo's ring allreduce): a buffer of `length` elements is cut
// into `worldSize` chunks whose sizes differ by at most one, and each chunk into segments of at most
// `segmentElems` elements. Every rank computes the same layout from the same three numbers, which is
// what lets sender and receiver agree on every message without negotiating.

export interface Segment {
  /** First element (inclusive). */
  start: number;
  /** One past the last element. */
  end: number;
}

/** Chunk i of `length` elements split `worldSize` ways: the first length % worldSize chunks get one extra. */
export function chunkBounds(length: number, worldSize: number, i: number): Segment {
  const base = Math.floor(length / worldSize);
  const extra = length % worldSize;
  const start = i * base + Math.min(i, extra);
  return { start, end: start + base + (i < extra ? 1 : 0) };
}

/** The segments of `chunk`: equal-sized pieces of at most `segmentElems`, none empty. */
export function segmentsOf(chunk: Segment, segmentElems: number): Segment[] {
  const len = chunk.end - chunk.start;
  const count = Math.ceil(len / segmentElems);
  return Array.from({ length: count }, (_, s) => {
    const piece = chunkBounds(len, count, s);
    return { start: chunk.start + piece.start, end: chunk.start + piece.end };
  });
}

/** Non-negative modulo, for ring arithmetic on ranks and chunk indices. */
export function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
