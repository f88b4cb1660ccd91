// torch.optim.SGD (PyTorch 1.13, single-tensor path) on a flat Float32Array. With gradient g, parameter p,
// learning rate γ, momentum μ, dampening τ, weight decay λ, at step t = 1, 2, ...:
//
//   d   = g + λ·p                                   coupled L2 decay, before momentum (d = g when λ = 0)
//   b_t = d                           if t = 1      the first buffer is d itself, not (1-τ)·d
//   b_t = μ·b_{t-1} + (1-τ)·d         if t > 1
//   d   = d + μ·b_t   (nesterov)  or  b_t           only when μ ≠ 0
//   p   = p - γ·d
//
// In float32, as torch's tensor ops compute it: every product and sum is rounded to float32 (Math.fround), and the
// scalars γ, μ, 1-τ, λ are float32 too (torch casts an op's alpha to the tensor's type). Where torch's CPU kernels
// fuse a scaled addition (add with alpha: a + α·b) into one fused multiply-add, this rounds the product and then
// the sum: at most an ulp apart, per operation (WebAssembly's SIMD has no fused multiply-add that every machine
// computes the same way, and replicas must get the same bits everywhere). μ·b is torch's own separate mul_, and
// with τ = 0 the buffer's update is exactly torch's.
//
// Speed: when params and grads live in the SIMD memory (allocateVector, as the trainer's do), a WebAssembly
// kernel with exactly this arithmetic updates them in place, four elements at a time (sgd-kernel.ts); the momentum
// buffer is allocated there too, while the memory has room.

import { InvalidArgumentError } from '@ringtrain/common';
import { allocateVector } from '@ringtrain/simd';
import { checkOptimizerState, type Optimizer, type OptimizerState } from './optimizer.js';
import { sgdStep } from './sgd-kernel.js';
import { checkLength, checkNonNegative, checkPositiveInteger, checkUnitInterval } from './validate.js';

export interface SgdOptions {
  /** Momentum factor μ (`--momentum`), >= 0. 0 keeps no momentum buffer. Default 0. */
  momentum?: number;
  /** Dampening τ in [0, 1]: from the second step on, the gradient enters the buffer as (1-τ)·d. Default 0. */
  dampening?: number;
  /** Nesterov momentum (`--nesterov`): step along d + μ·b instead of b. Needs momentum > 0 and dampening 0. Default false. */
  nesterov?: boolean;
  /**
   * Coupled weight decay λ (`--weight-decay`), >= 0: λ·p is added to the gradient before momentum, exactly
   * torch's SGD weight_decay, i.e. an L2 penalty λ/2·||p||² (see addL2Penalty). Default 0.
   */
  weightDecay?: number;
}

const MOMENTUM_BUFFER = 'momentum_buffer';

export class SGD implements Optimizer {
  readonly name = 'sgd';
  readonly size: number;
  private readonly momentum: number;
  private readonly dampening: number;
  private readonly nesterov: boolean;
  private readonly weightDecay: number;
  /** Allocated iff momentum ≠ 0 (allocateVector); holds b_t once a step has been taken. */
  private readonly buffer: Float32Array | undefined;
  private steps = 0;

  /** `size`: length of the flat parameter vector. */
  constructor(size: number, options: SgdOptions = {}) {
    const { momentum = 0, dampening = 0, nesterov = false, weightDecay = 0 } = options;
    checkPositiveInteger(size, 'parameter count');
    checkNonNegative(momentum, '--momentum');
    checkUnitInterval(dampening, 'dampening');
    checkNonNegative(weightDecay, '--weight-decay');
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new InvalidArgumentError(
        `--nesterov requires --momentum > 0 and dampening 0, got momentum ${momentum} and dampening ${dampening}`,
        { subject: '--nesterov' },
      );
    }
    this.size = size;
    this.momentum = momentum;
    this.dampening = dampening;
    this.nesterov = nesterov;
    this.weightDecay = weightDecay;
    this.buffer = momentum !== 0 ? allocateVector(size) : undefined;
  }

  get stepCount(): number {
    return this.steps;
  }

  step(params: Float32Array, grads: Float32Array, lr: number): void {
    checkLength(params, this.size, 'params');
    checkLength(grads, this.size, 'grads');
    checkNonNegative(lr, '--lr');
    const { nesterov, buffer } = this;
    const f32 = Math.fround;
    const [lr32, mu, wd, keep] = [f32(lr), f32(this.momentum), f32(this.weightDecay), f32(1 - this.dampening)];
    const n = this.size;
    const loop = buffer === undefined ? 'plain' : this.steps === 0 ? 'first' : 'momentum';
    // The SIMD kernel takes what it can (arrays in the SIMD memory, a prefix); these loops do the rest, same bits.
    const from = sgdStep(loop, nesterov, params, grads, buffer, { lr: lr32, mu, wd, keep });
    // d = g + λ·p only with weight decay: torch skips the term when λ = 0 (and so the rounding, and what 0·p
    // would do to -0 and to non-finite parameters). The stores into params and buffer round to float32 too.
    const decay = wd !== 0;
    if (buffer === undefined) {
      for (let i = from; i < n; i++) {
        const p = params[i]!;
        params[i] = p - f32(lr32 * (decay ? f32(grads[i]! + f32(wd * p)) : grads[i]!));
      }
    } else if (loop === 'first') {
      for (let i = from; i < n; i++) {
        const p = params[i]!;
        const d = decay ? f32(grads[i]! + f32(wd * p)) : grads[i]!;
        buffer[i] = d;
        params[i] = p - f32(lr32 * (nesterov ? f32(d + f32(mu * d)) : d));
      }
    } else {
      for (let i = from; i < n; i++) {
        const p = params[i]!;
        const d = decay ? f32(grads[i]! + f32(wd * p)) : grads[i]!;
        const b = f32(f32(mu * buffer[i]!) + f32(keep * d));
        buffer[i] = b;
        params[i] = p - f32(lr32 * (nesterov ? f32(d + f32(mu * b)) : b));
      }
    }
    this.steps += 1;
  }

  // Like torch's state, the momentum buffer exists only with momentum ≠ 0 and after the first step.

  exportState(): OptimizerState {
    const slots: Record<string, Float32Array> = {};
    if (this.buffer !== undefined && this.steps > 0) slots[MOMENTUM_BUFFER] = this.buffer.slice();
    return { optimizer: this.name, step: this.steps, slots };
  }

  importState(state: OptimizerState): void {
    const expectBuffer = this.buffer !== undefined && state.step > 0;
    checkOptimizerState(state, this.name, expectBuffer ? [MOMENTUM_BUFFER] : [], this.size);
    const saved = state.slots[MOMENTUM_BUFFER];
    if (saved !== undefined) this.buffer?.set(saved);
    else this.buffer?.fill(0);
    this.steps = state.step;
  }
}
