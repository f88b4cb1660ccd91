// SGD's update loops (sgd.ts) as WebAssembly kernels in float32 lanes (@ringtrain/simd's quad kernels), for
// parameters, gradient and momentum buffer that live in the SIMD memory: the same float32 operations as the
// JavaScript loops, four elements at a time, so the bits are the loops' (float32-quads.ts). `node --import tsx
// tools/optimizer-bench.ts` measures both; the README quotes it.

import { f32add, f32mul, f32sub, quadKernel, runner, type Quad, type QuadContext } from '@ringtrain/simd';

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

/** Quads per iteration: two independent quads give the loop more to overlap. */
const UNROLL = 2;

const kernelName = (loop: SgdLoop, nesterov: boolean, decay: boolean) => `sgd_${loop}${nesterov ? '_nesterov' : ''}${decay ? '_decay' : ''}`;

type Context = QuadContext<'params' | 'grads' | 'buffer', 'lr' | 'mu' | 'wd' | 'keep', 'p' | 'd' | 'b'>;

/** d = g + λ·p with weight decay, else g itself (torch's `if weight_decay != 0`). */
const direction = (k: Context, decay: boolean): Quad => (decay ? f32add(k.load('grads'), f32mul(k.scalar('wd'), k.get('p'))) : k.load('grads'));

/** p ← p - lr·(nesterov ? d + μ·v : v) */
const update = (k: Context, v: Quad, nesterov: boolean): number[] =>
  k.store('params', f32sub(k.get('p'), f32mul(k.scalar('lr'), nesterov ? f32add(k.get('d'), f32mul(k.scalar('mu'), v)) : v)));

function sgdKernel(loop: SgdLoop, nesterov: boolean, decay: boolean) {
  const arrays = loop === 'plain' ? (['params', 'grads'] as const) : (['params', 'grads', 'buffer'] as const);
  return quadKernel({
    name: kernelName(loop, nesterov, decay),
    arrays,
    scalars: ['lr', 'mu', 'wd', 'keep'],
    temps: ['p', 'd', 'b'],
    unroll: UNROLL,
    body: (k: Context) => {
      const start = [...k.set('p', k.load('params')), ...k.set('d', direction(k, decay))];
      if (loop === 'plain') return [...start, ...update(k, k.get('d'), false)];
      // b = d on the first step, μ·b + (1-τ)·d after
      const b = loop === 'first' ? k.get('d') : f32add(f32mul(k.scalar('mu'), k.load('buffer')), f32mul(k.scalar('keep'), k.get('d')));
      return [...start, ...k.set('b', b), ...k.store('buffer', k.get('b')), ...update(k, k.get('b'), nesterov)];
    },
  });
}

const KERNELS = [false, true].flatMap((decay) => [
  sgdKernel('plain', false, decay),
  ...(['first', 'momentum'] as const).flatMap((loop) => [sgdKernel(loop, false, decay), sgdKernel(loop, true, decay)]),
]);

const run = runner<Record<string, (...args: number[]) => void>>(KERNELS);

/**
 * Runs SGD loop `loop` over a prefix of the arrays (all but at most 7 elements) if they all live in the SIMD
 * memory, and returns how many elements it updated (0 when they do not): the caller's JavaScript loop does the rest.
 * The scalars reach the kernel as float32 (Math.fround), as the caller's loop must use them.
 */
export function sgdStep(loop: SgdLoop, nesterov: boolean, params: Float32Array, grads: Float32Array, buffer: Float32Array | undefined, s: SgdScalars): number {
  const arrays = buffer === undefined ? [params, grads] : [params, grads, buffer];
  const kernel = kernelName(loop, nesterov, s.wd !== 0);
  return run((kernels) => kernels[kernel]!, arrays, [s.lr, s.mu, s.wd, s.keep])?.covered ?? 0;
}
