// torch.optim.AdamW (PyTorch 1.13, single-tensor path, capturable=False) on a flat Float32Array. With gradient g,
// parameter p, learning rate γ, betas β1 β2, epsilon ε, weight decay λ, at step t = 1, 2, ...:
//
//   p   = p·(1 - γλ)                                      decoupled decay, before the Adam update
//   m   = β1·m + (1-β1)·g
//   v   = β2·v + (1-β2)·g²
//   v̄   = max(v̄, v) if amsgrad, else v                    the running max is over the *uncorrected* v
//   p   = p - (γ / (1-β1^t)) · m / (√v̄ / √(1-β2^t) + ε)   ε outside the square root of the corrected moment
//
// torch's docstring writes the AMSGrad max over the bias-corrected v̂; its code (followed here, checked by the
// golden test) keeps max(v̄, v) of the raw moment and divides by √(1-β2^t) of the current step afterwards.
// Values torch stores as float32 tensors (p after decay, the denominator) are rounded with Math.fround.
//
// Speed: when params and grads live in the SIMD memory (allocateVector, as the trainer's do), a WebAssembly
// kernel with exactly this arithmetic updates them in place (adamw-kernel.ts); the moments are allocated there too,
// while the memory has room.

import { allocateVector } from '@ringtrain/simd';
import { adamwStep } from './adamw-kernel.js';
import { checkOptimizerState, type Optimizer, type OptimizerState } from './optimizer.js';
import { checkLength, checkNonNegative, checkPositiveInteger, checkUnitInterval } from './validate.js';

export interface AdamWOptions {
  /** Decay rates (β1, β2) of the first and second moment averages, each in [0, 1). Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** ε >= 0, added to the denominator after the square root. Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay λ (`--weight-decay`), >= 0: p ← p·(1 - lr·λ) each step. Default 1e-2, torch's default. */
  weightDecay?: number;
  /** Use AMSGrad's running maximum of the second moment. Default false. */
  amsgrad?: boolean;
}

const EXP_AVG = 'exp_avg';
const EXP_AVG_SQ = 'exp_avg_sq';
const MAX_EXP_AVG_SQ = 'max_exp_avg_sq';

export class AdamW implements Optimizer {
  readonly name = 'adamw';
  readonly size: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private readonly expAvg: Float32Array;
  private readonly expAvgSq: Float32Array;
  /** Allocated iff amsgrad. */
  private readonly maxExpAvgSq: Float32Array | undefined;
  private steps = 0;

  /** `size`: length of the flat parameter vector. */
  constructor(size: number, options: AdamWOptions = {}) {
    const { betas = [0.9, 0.999], eps = 1e-8, weightDecay = 1e-2, amsgrad = false } = options;
    checkPositiveInteger(size, 'parameter count');
    checkUnitInterval(betas[0], 'betas[0]', { high: true });
    checkUnitInterval(betas[1], 'betas[1]', { high: true });
    checkNonNegative(eps, 'eps');
    checkNonNegative(weightDecay, '--weight-decay');
    this.size = size;
    [this.beta1, this.beta2] = betas;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.expAvg = allocateVector(size);
    this.expAvgSq = allocateVector(size);
    this.maxExpAvgSq = amsgrad ? allocateVector(size) : undefined;
  }

  get stepCount(): number {
    return this.steps;
  }

  step(params: Float32Array, grads: Float32Array, lr: number): void {
    checkLength(params, this.size, 'params');
    checkLength(grads, this.size, 'grads');
    checkNonNegative(lr, '--lr');
    const { beta1, beta2, eps, expAvg, expAvgSq, maxExpAvgSq } = this;
    const t = this.steps + 1;
    const decay = 1 - lr * this.weightDecay;
    const oneMinusBeta1 = 1 - beta1;
    const oneMinusBeta2 = 1 - beta2;
    const stepSize = lr / (1 - beta1 ** t);
    const bias2Sqrt = Math.sqrt(1 - beta2 ** t);
    // The SIMD kernel takes what it can (arrays in the SIMD memory, a prefix); this loop does the rest, same bits.
    const moments = maxExpAvgSq === undefined ? [expAvg, expAvgSq] : [expAvg, expAvgSq, maxExpAvgSq];
    const from = adamwStep(params, grads, moments, { decay, beta1, oneMinusBeta1, beta2, oneMinusBeta2, bias2Sqrt, eps, stepSize });
    for (let i = from; i < this.size; i++) {
      const g = grads[i]!;
      const p = Math.fround(params[i]! * decay);
      const m = Math.fround(beta1 * expAvg[i]! + oneMinusBeta1 * g);
      let v = Math.fround(beta2 * expAvgSq[i]! + oneMinusBeta2 * g * g);
      expAvg[i] = m;
      expAvgSq[i] = v;
      if (maxExpAvgSq !== undefined) {
        v = Math.max(maxExpAvgSq[i]!, v);
        maxExpAvgSq[i] = v;
      }
      const denom = Math.fround(Math.sqrt(v) / bias2Sqrt + eps);
      params[i] = p - stepSize * (m / denom);
    }
    this.steps = t;
  }

  private slotNames(): string[] {
    return this.maxExpAvgSq !== undefined ? [EXP_AVG, EXP_AVG_SQ, MAX_EXP_AVG_SQ] : [EXP_AVG, EXP_AVG_SQ];
  }

  /** All slots are always exported; before the first step they are zeros, which is what torch initializes them to. */
  exportState(): OptimizerState {
    const slots: Record<string, Float32Array> = { [EXP_AVG]: this.expAvg.slice(), [EXP_AVG_SQ]: this.expAvgSq.slice() };
    if (this.maxExpAvgSq !== undefined) slots[MAX_EXP_AVG_SQ] = this.maxExpAvgSq.slice();
    return { optimizer: this.name, step: this.steps, slots };
  }

  importState(state: OptimizerState): void {
    checkOptimizerState(state, this.name, this.slotNames(), this.size);
    const { slots } = state;
    this.expAvg.set(slots[EXP_AVG]!);
    this.expAvgSq.set(slots[EXP_AVG_SQ]!);
    if (this.maxExpAvgSq !== undefined) this.maxExpAvgSq.set(slots[MAX_EXP_AVG_SQ]!);
    this.steps = state.step;
  }
}
