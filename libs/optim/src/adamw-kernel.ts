// AdamW's update loop (adamw.ts) as a WebAssembly kernel, for parameters, gradient and moments that live in
// the SIMD memory (@ringtrain/simd): the same float64 arithmetic and float32 roundings, two pairs of elements
// per iteration, so the bits are the JavaScript loop's (float64-pairs.ts). `node --import tsx
// tools/optimizer-bench.ts` measures both; the README quotes it.

import { add, div, fround, max, mul, pairKernel, runner, sqrt, sub, toFloat32, toFloat64 } from '@ringtrain/simd';

/** Pairs per iteration (float64-pairs.ts). */
const UNROLL = 2;

/** The step's constants, computed once in JavaScript exactly as adamw.ts's loop uses them. */
export interface AdamWScalars {
  /** 1 - lr·λ */
  decay: number;
  beta1: number;
  /** 1 - β1 */
  oneMinusBeta1: number;
  beta2: number;
  /** 1 - β2 */
  oneMinusBeta2: number;
  /** √(1 - β2^t) */
  bias2Sqrt: number;
  eps: number;
  /** lr / (1 - β1^t) */
  stepSize: number;
}

const SCALARS = ['decay', 'beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'bias2Sqrt', 'eps', 'stepSize'] as const;

function adamwFunction(amsgrad: boolean) {
  return pairKernel({
    name: amsgrad ? 'adamw_amsgrad' : 'adamw',
    arrays: ['params', 'grads', 'expAvg', 'expAvgSq', 'maxExpAvgSq'].slice(0, amsgrad ? 5 : 4) as Array<'params' | 'grads' | 'expAvg' | 'expAvgSq' | 'maxExpAvgSq'>,
    scalars: SCALARS,
    temps: ['p', 'g', 'm', 'v', 'm32', 'v32'],
    unroll: UNROLL,
    body: (k) => {
      const [g, m, v] = [k.get('g'), k.get('m'), k.get('v')];
      return [
        ...k.set('g', k.load('grads')),
        // p = fround(p·decay); m = fround(β1·m + (1-β1)·g); v = fround(β2·v + (1-β2)·g·g), each rounded once and
        // stored as rounded (the conversions, not the memory, bound these kernels: sgd-kernel.ts)
        ...k.set('p', fround(mul(k.load('params'), k.scalar('decay')))),
        ...k.set('m32', toFloat32(add(mul(k.scalar('beta1'), k.load('expAvg')), mul(k.scalar('oneMinusBeta1'), g)))),
        ...k.set('v32', toFloat32(add(mul(k.scalar('beta2'), k.load('expAvgSq')), mul(mul(k.scalar('oneMinusBeta2'), g), g)))),
        ...k.storeFloat32('expAvg', k.get('m32')),
        ...k.storeFloat32('expAvgSq', k.get('v32')),
        ...k.set('m', toFloat64(k.get('m32'))),
        ...k.set('v', toFloat64(k.get('v32'))),
        // v̄ = max(v̄, v)
        ...(amsgrad ? [...k.set('v', max(k.load('maxExpAvgSq'), v)), ...k.store('maxExpAvgSq', v)] : []),
        // p = p - stepSize·(m / fround(√v̄ / bias2Sqrt + ε))
        ...k.store('params', sub(k.get('p'), mul(k.scalar('stepSize'), div(m, fround(add(div(sqrt(v), k.scalar('bias2Sqrt')), k.scalar('eps'))))))),
      ];
    },
  });
}


type Kernel = (...args: number[]) => void;
type Kernels = { adamw: Kernel; adamw_amsgrad: Kernel };
const run = runner<Kernels>([adamwFunction(false), adamwFunction(true)]);

/**
 * Runs AdamW's loop over a prefix of the arrays (all but at most 3 elements) if they all live in the SIMD memory, and returns how many
 * elements it updated (0 when they do not): the caller's JavaScript loop does the rest.
 */
export function adamwStep(params: Float32Array, grads: Float32Array, moments: readonly Float32Array[], s: AdamWScalars): number {
  const pick = (kernels: Kernels) => (moments.length === 3 ? kernels.adamw_amsgrad : kernels.adamw);
  return run(pick, [params, grads, ...moments], SCALARS.map((name) => s[name]))?.covered ?? 0;
}
