// SGD's update loops (sgd.ts) as WebAssembly kernels, for parameters, gradient and momentum buffer that
// live in the SIMD memory (@ringtrain/simd): the same float64 arithmetic and float32 roundings, two
// elements per iteration, so the bits are the JavaScript loop's (float64-pairs.ts). `node --import tsx
// tools/optimizer-bench.ts` measures both; the README quotes it.

import { add, assembleModule, fround, mul, pairKernel, runner, sub, type Pair } from '@ringtrain/simd';

/** Which of SGD's three loops: no momentum, the first step with momentum (b = d), or every later one. */
export type SgdLoop = 'plain' | 'first' | 'momentum';

export interface SgdScalars {
  lr: number;
  mu: number;
  wd: number;
  /** 1 - dampening. */
  keep: number;
}

const kernelName = (loop: SgdLoop, nesterov: boolean) => `sgd_${loop}${nesterov ? '_nesterov' : ''}`;

/** p ← p - lr·(nesterov ? fround(d + μ·b) : b) */
const update = (p: Pair, lr: Pair, direction: Pair, d: Pair, mu: Pair, nesterov: boolean): Pair =>
  sub(p, mul(lr, nesterov ? fround(add(d, mul(mu, direction))) : direction));

function plainFunction() {
  return pairKernel({
    name: kernelName('plain', false),
    arrays: ['params', 'grads'],
    scalars: ['lr', 'wd'],
    temps: ['p'],
    // p ← p - lr·fround(g + λ·p)
    body: (k) => [
      ...k.set('p', k.load('params')),
      ...k.store('params', sub(k.get('p'), mul(k.scalar('lr'), fround(add(k.load('grads'), mul(k.scalar('wd'), k.get('p'))))))),
    ],
  });
}

function momentumFunction(loop: 'first' | 'momentum', nesterov: boolean) {
  return pairKernel({
    name: kernelName(loop, nesterov),
    arrays: ['params', 'grads', 'buffer'],
    scalars: ['lr', 'mu', 'wd', 'keep'],
    temps: ['p', 'd', 'b'],
    body: (k) => {
      const mu = k.scalar('mu');
      // d = fround(g + λ·p); b = d on the first step, fround(μ·b + (1-τ)·d) after
      const b = loop === 'first' ? k.get('d') : fround(add(mul(mu, k.load('buffer')), mul(k.scalar('keep'), k.get('d'))));
      return [
        ...k.set('p', k.load('params')),
        ...k.set('d', fround(add(k.load('grads'), mul(k.scalar('wd'), k.get('p'))))),
        ...k.set('b', b),
        ...k.store('buffer', k.get('b')),
        ...k.store('params', update(k.get('p'), k.scalar('lr'), k.get('b'), k.get('d'), mu, nesterov)),
      ];
    },
  });
}

const MODULE = assembleModule([
  plainFunction(),
  ...(['first', 'momentum'] as const).flatMap((loop) => [momentumFunction(loop, false), momentumFunction(loop, true)]),
]);

const run = runner<Record<string, (...args: number[]) => void>>(MODULE);

/**
 * Runs SGD loop `loop` over the even prefix of the arrays if they all live in the SIMD memory, and returns
 * how many elements it updated (0 when they do not): the caller's JavaScript loop does the rest.
 */
export function sgdStep(loop: SgdLoop, nesterov: boolean, params: Float32Array, grads: Float32Array, buffer: Float32Array | undefined, s: SgdScalars): number {
  const arrays = buffer === undefined ? [params, grads] : [params, grads, buffer];
  const scalars = loop === 'plain' ? [s.lr, s.wd] : [s.lr, s.mu, s.wd, s.keep];
  return run((kernels) => kernels[kernelName(loop, nesterov)]!, arrays, scalars)?.covered ?? 0;
}
