// The one pseudo-random generator of ringtrain's data pipeline: shuffles and synthetic datasets must come out
// identical on every rank, in every process, on every platform, so they cannot use Math.random (unseeded) or
// torch's generator (not reproducible outside torch). Mulberry32 (Tommy Ettinger, public domain) is a
// well-known 32-bit generator with a 32-bit state and a 2^32 period; it is plenty for shuffling datasets of
// up to millions of samples and costs a handful of integer operations per draw. Its C reference:
//
//   uint32_t mulberry32(uint32_t *state) {
//     uint32_t z = (*state += 0x6D2B79F5u);
//     z = (z ^ (z >> 15)) * (z | 1u);
//     z ^= z + (z ^ (z >> 7)) * (z | 61u);
//     return z ^ (z >> 14);
//   }
//
// test/fixtures/data/make_fixtures.py mirrors this file in Python, so its golden values are an independent
// check that the JavaScript 32-bit arithmetic below is the C one.

const TWO_POW_32 = 0x1_0000_0000;

/** MurmurHash3's 32-bit finaliser: a bijection on uint32 that spreads every input bit over the output. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Folds non-negative safe integers (a seed, an epoch, a stream number) into one 32-bit generator state.
 * Each part is split into its low and high 32-bit words; each word is xored into the running hash, which
 * starts at 0x9E3779B9 (the golden-ratio constant), and scrambled by fmix32. Parts above 2^32 therefore
 * still change the state, and (seed, stream) pairs give unrelated streams.
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = fmix32(h ^ (part % TWO_POW_32));
    h = fmix32(h ^ Math.floor(part / TWO_POW_32));
  }
  return h;
}

/** Mulberry32: a seeded, deterministic uint32 stream (see the file comment for the reference algorithm). */
export class Mulberry32 {
  private state: number;

  /** `state` is taken modulo 2^32; use {@link mixSeed} to derive it from a seed. */
  constructor(state: number) {
    this.state = state >>> 0;
  }

  /** The next uint32 of the stream. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    // `z + ...` may exceed 32 bits; `^=` truncates it modulo 2^32 exactly like the C unsigned addition.
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (z ^ (z >>> 14)) >>> 0;
  }

  /**
   * An integer uniform in [0, bound), 1 <= bound <= 2^32. Rejection sampling keeps it exactly uniform:
   * draws in the top 2^32 mod bound values would favour the small residues, so they are redrawn (for the
   * bounds a shuffle uses that happens with probability below bound / 2^32).
   */
  nextBelow(bound: number): number {
    const limit = TWO_POW_32 - (TWO_POW_32 % bound);
    let draw = this.nextUint32();
    while (draw >= limit) draw = this.nextUint32();
    return draw % bound;
  }

  /** A float uniform in [0, 1): the next uint32 divided by 2^32. */
  nextFloat(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /**
   * A standard normal draw by the Box-Muller transform: for u1 in (0, 1] and u2 in [0, 1),
   * sqrt(-2 ln u1) cos(2 pi u2) ~ N(0, 1). Uses two uniforms per draw (the sine twin is discarded so the
   * stream position does not depend on how many normals were drawn before).
   */
  nextGaussian(): number {
    const u1 = 1 - this.nextFloat();
    const u2 = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
