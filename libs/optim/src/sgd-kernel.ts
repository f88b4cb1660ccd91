// SGD's update loops (sgd.ts) as WebAssembly kernels, for parameters, gradient and momentum buffer that
// live in the SIMD memory (@ringtrain/simd): the same float64 arithmetic and float32 roundings, two pairs of
// elements per iteration, so the bits are the JavaScript loop's (float64-pairs.ts). `node --import tsx
// tools/optimizer-bench.ts` measures both; the README quotes it.
//
// The kernels are bound by their float32 <-> float64 conversions (two-lane conversions, one port), not by
// memory: the same time per element for 32 K as for 2.4 M parameters. So every value rounded to float32 is
// rounded once and kept as float32 for its store (toFloat32, storeFloat32), and without weight decay the
// gradient is the direction as it is (d = g, torch's `if weight_decay != 0`), with no rounding at all.

import { add, fround, mul, pairKernel, runner, sub, toFloat32, toFloat64, type Pair, type PairContext } from '@ringtrain/simd';

/** Which of SGD's three loops: no momentum, the first step with momentum (b = d), or every later one. */
export type SgdLoop = 'plain' | 'first' | 'momentum';

export interface SgdScalars {
  lr: number;
  mu: number;
  /** Weight decay λ; 0 runs the kernels without the decay term. */
  wd: number;
  /** 1 - dampening. */
  keep: number;
}

/** Pairs per iteration (float64-pairs.ts): halves the loop's own instructions, 5-10% faster. */
const UNROLL = 2;

const kernelName = (loop: SgdLoop, nesterov: boolean, decay: boolean) => `sgd_${loop}${nesterov ? '_nesterov' : ''}${decay ? '_decay' : ''}`;

type Arrays = 'params' | 'grads' | 'buffer';
type Temps = 'p' | 'd' | 'd32' | 'b' | 'b32';
type Context = PairContext<Arrays, 'lr' | 'mu' | 'wd' | 'keep', Temps>;

/** Sets d (float64) and d32 (float32) to the direction before momentum: fround(g + λ·p), or g without decay. */
const direction = (k: Context, decay: boolean): number[] => [
  ...k.set('d32', decay ? toFloat32(add(k.load('grads'), mul(k.scalar('wd'), k.get('p')))) : k.loadFloat32('grads')),
  ...k.set('d', toFloat64(k.get('d32'))),
];

/** p ← p - lr·(nesterov ? fround(d + μ·b) : b) */
const update = (k: Context, b: Pair, nesterov: boolean): number[] =>
  k.store('params', sub(k.get('p'), mul(k.scalar('lr'), nesterov ? fround(add(k.get('d'), mul(k.scalar('mu'), b))) : b)));

function plainFunction(decay: boolean) {
  return pairKernel({
    name: kernelName('plain', false, decay),
    arrays: ['params', 'grads'],
    scalars: ['lr', 'mu', 'wd', 'keep'],
    temps: ['p', 'd', 'd32', 'b', 'b32'],
    unroll: UNROLL,
    // p ← p - lr·d
    body: (k: Context) => [...k.set('p', k.load('params')), ...direction(k, decay), ...update(k, k.get('d'), false)],
  });
}

function momentumFunction(loop: 'first' | 'momentum', nesterov: boolean, decay: boolean) {
  return pairKernel({
    name: kernelName(loop, nesterov, decay),
    arrays: ['params', 'grads', 'buffer'],
    scalars: ['lr', 'mu', 'wd', 'keep'],
    temps: ['p', 'd', 'd32', 'b', 'b32'],
    unroll: UNROLL,
    body: (k: Context) => {
      // b = d on the first step, fround(μ·b + (1-τ)·d) after
      const b32 = loop === 'first' ? k.get('d32') : toFloat32(add(mul(k.scalar('mu'), k.load('buffer')), mul(k.scalar('keep'), k.get('d'))));
      return [
        ...k.set('p', k.load('params')),
        ...direction(k, decay),
        ...k.set('b32', b32),
        ...k.storeFloat32('buffer', k.get('b32')),
        ...k.set('b', toFloat64(k.get('b32'))),
        ...update(k, k.get('b'), nesterov),
      ];
    },
  });
}

const KERNELS = [false, true].flatMap((decay) => [
  plainFunction(decay),
  ...(['first', 'momentum'] as const).flatMap((loop) => [momentumFunction(loop, false, decay), momentumFunction(loop, true, decay)]),
]);

const run = runner<Record<string, (...args: number[]) => void>>(KERNELS);

/**
 * Runs SGD loop `loop` over a prefix of the arrays (all but at most 3 elements) if they all live in the SIMD
 * memory, and returns how many elements it updated (0 when they do not): the caller's JavaScript loop does the rest.
 */
export function sgdStep(loop: SgdLoop, nesterov: boolean, params: Float32Array, grads: Float32Array, buffer: Float32Array | undefined, s: SgdScalars): number {
  const arrays = buffer === undefined ? [params, grads] : [params, grads, buffer];
  const kernel = kernelName(loop, nesterov, s.wd !== 0);
  return run((kernels) => kernels[kernel]!, arrays, [s.lr, s.mu, s.wd, s.keep])?.covered ?? 0;
}
