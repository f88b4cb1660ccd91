// The wasm backend's matrix products on the native BLAS (--blas native) against tfjs's cpu backend, the
// reference: same inputs, every element within float32 rounding. A counting wrapper around the BLAS shows which
// products took the native path and which were handed back to XNNPACK.

import { InvalidArgumentError } from '@ringtrain/common';
import type { NativeBlas } from '@ringtrain/native-blas';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeBlasInUse, selectBlas } from '../src/index.js';
import { useNativeBlas } from '../src/wasm-kernels/native-blas-in-use.js';
import { expectAllClose, normalValues, useBackend } from './helpers.js';
import { cpuAndNative, nativeBlasExpected, nativeStepMatchesXnnpack, openedBlas } from './native-blas-helpers.js';

afterEach(() => useNativeBlas(undefined));

describe.skipIf(!openedBlas.ok && !nativeBlasExpected)('BatchMatMul and _FusedMatMul on the native BLAS', () => {
  const blas = (openedBlas as { blas: NativeBlas }).blas;

  it.each([
    { name: 'plain', a: [7, 5], b: [5, 3], transposeA: false, transposeB: false, native: true },
    { name: 'transposeA (a dense weight gradient)', a: [9, 40], b: [9, 3], transposeA: true, transposeB: false, native: true },
    { name: 'transposeB (a dense input gradient)', a: [4, 6], b: [50, 6], transposeA: false, transposeB: true, native: true },
    { name: 'both transposed', a: [6, 4], b: [5, 6], transposeA: true, transposeB: true, native: true },
    { name: 'batch 3 on both sides', a: [3, 6, 4], b: [3, 5, 6], transposeA: true, transposeB: true, native: true },
    { name: 'batch 3 against one matrix (rank 2)', a: [3, 4, 6], b: [6, 5], transposeA: false, transposeB: false, native: true },
    { name: 'one matrix against batch [2, 2]', a: [1, 4, 6], b: [2, 2, 6, 5], transposeA: false, transposeB: false, native: true },
    // [2, 1] against [1, 2]: each side is broadcast along a different axis, which one GEMM per matrix cannot express.
    { name: 'partial broadcast (handed back)', a: [2, 1, 3, 4], b: [1, 2, 4, 5], transposeA: false, transposeB: false, native: false },
  ])('equals the cpu backend: $name', async ({ a, b, transposeA, transposeB, native }) => {
    const av = normalValues(a, 7);
    const bv = normalValues(b, 8);
    const { cpu, wasm, calls } = await cpuAndNative(blas, () => tf.tidy(() => tf.matMul(tf.tensor(av, a), tf.tensor(bv, b), transposeA, transposeB)));
    expect(wasm.shape).toEqual(cpu.shape);
    expectAllClose(wasm.values, cpu.values);
    expect(calls).toBe(native ? 1 : 0);
  });

  it.each([
    { activation: 'linear', native: true },
    { activation: 'relu', native: true },
    { activation: 'elu', native: false },
  ] as const)('fused product with a bias and $activation equals the cpu backend', async ({ activation, native }) => {
    const x = normalValues([8, 6], 9);
    const w = normalValues([6, 5], 10);
    const bias = normalValues([5], 11);
    const { cpu, wasm, calls } = await cpuAndNative(blas, () =>
      tf.tidy(() => tf.fused.matMul({ a: tf.tensor(x, [8, 6]), b: tf.tensor(w, [6, 5]), bias: tf.tensor(bias, [5]), activation })),
    );
    expectAllClose(wasm.values, cpu.values);
    if (activation === 'relu') expect(wasm.values.some((v) => v === 0)).toBe(true);
    expect(calls).toBe(native ? 1 : 0);
  });

  it('sums over leading axes (a bias gradient, a per-channel sum) as ones · x, equal to the cpu backend', async () => {
    const x = normalValues([6, 5, 4, 3], 13);
    const { cpu, wasm, calls } = await cpuAndNative(blas, () => tf.tidy(() => tf.sum(tf.tensor4d(x, [6, 5, 4, 3]), [0, 1, 2])));
    expect(wasm.shape).toEqual([3]);
    expectAllClose(wasm.values, cpu.values);
    expect(calls).toBe(1);
    const kept = await cpuAndNative(blas, () => tf.tidy(() => tf.sum(tf.tensor2d(x, [120, 3]), 0, true)));
    expect(kept.wasm.shape).toEqual([1, 3]);
    expectAllClose(kept.wasm.values, kept.cpu.values);
  });

  it('gives the same mlp gradient as XNNPACK, every product on the BLAS, no tensor left behind', async () => {
    // 3 dense layers: 3 forward products, 3 weight gradients, 2 input gradients (the input's own is pruned),
    // 3 bias gradients (sums over the batch).
    expect(await nativeStepMatchesXnnpack(blas, 'mlp', [28, 28, 1], 16)).toBe(11);
  });
});

describe('a native kernel that throws', () => {
  it('frees the output it had allocated, and the error reaches the caller', async () => {
    await useBackend('wasm');
    const failing: NativeBlas = {
      library: 'libfailing.so', config: null, threads: () => null, setThreads: () => false,
      gemm: () => { throw new RangeError('gemm: an operand length does not match its shape'); },
      conv2d: () => undefined, batchNormForward: () => undefined, batchNormBackward: () => undefined,
      maxPoolGrad: () => undefined, reluGrad: () => undefined, narrowKernels: () => false,
    };
    const a = tf.ones([3, 4]);
    const b = tf.ones([4, 2]);
    // The backend's own count: an output the kernel made but never returned is unknown to the engine.
    const dataIds = () => tf.backend().numDataIds();
    const before = dataIds();
    useNativeBlas(failing);
    expect(() => tf.matMul(a, b)).toThrow(/does not match its shape/);
    useNativeBlas(undefined);
    expect(dataIds()).toBe(before);
    tf.dispose([a, b]);
  });
});

describe('selectBlas', () => {
  const unavailable = () => ({ ok: false as const, reason: 'no CBLAS library could be opened (libnope.so: not found)' });
  const fake: NativeBlas = { library: 'libfake.so', config: 'FakeBLAS 1.0', threads: () => 1, setThreads: () => true, gemm: () => undefined, conv2d: () => undefined,
    batchNormForward: () => undefined, batchNormBackward: () => undefined, maxPoolGrad: () => undefined, reluGrad: () => undefined, narrowKernels: () => false };
  const available = () => ({ ok: true as const, blas: fake });

  it('auto: uses the library when it opens, and says which, with its thread count', () => {
    const selected = selectBlas('auto', 'wasm', { open: available });
    expect(selected).toEqual({ native: true, reason: 'auto: matrix products on FakeBLAS 1.0, 1 thread' });
    expect(nativeBlasInUse()).toBe(fake);
  });

  it('auto: falls back to XNNPACK with the reason when no library opens', () => {
    const selected = selectBlas('auto', 'wasm', { open: unavailable });
    expect(selected.native).toBe(false);
    expect(selected.reason).toMatch(/libnope\.so.*XNNPACK/);
    expect(nativeBlasInUse()).toBeUndefined();
  });

  it('native: refuses to run without the library, naming why (exit code 2 in the apps)', () => {
    expect(() => selectBlas('native', 'wasm', { open: unavailable })).toThrow(InvalidArgumentError);
    expect(() => selectBlas('native', 'wasm', { open: unavailable })).toThrow(/--blas native: no CBLAS library could be opened/);
    expect(() => selectBlas('native', 'cpu', { open: available })).toThrow(/needs the wasm backend, not cpu/);
  });

  it('off, or another backend: XNNPACK / the backend own kernels, and a BLAS in use before is dropped', () => {
    selectBlas('auto', 'wasm', { open: available });
    expect(selectBlas('off', 'wasm', { open: available }).native).toBe(false);
    expect(nativeBlasInUse()).toBeUndefined();
    expect(selectBlas('auto', 'cpu', { open: available })).toEqual({ native: false, reason: 'not used by the cpu backend' });
  });

  it('sets the thread count it is given, unless OPENBLAS_NUM_THREADS or OMP_NUM_THREADS chose one', () => {
    const set: number[] = [];
    const threaded: NativeBlas = { ...fake, setThreads: (n) => (set.push(n), true) };
    const open = () => ({ ok: true as const, blas: threaded });
    selectBlas('auto', 'wasm', { open, threads: 3, env: {} });
    selectBlas('auto', 'wasm', { open, threads: 4, env: { OMP_NUM_THREADS: '2' } });
    selectBlas('auto', 'wasm', { open, threads: 5, env: { OPENBLAS_NUM_THREADS: '2' } });
    selectBlas('auto', 'wasm', { open, env: {} });
    expect(set).toEqual([3]);
  });

  it('auto: passes over a generic BLAS that is not OpenBLAS (likely the slow reference one), unless named', () => {
    const generic: NativeBlas = { ...fake, library: 'libblas.so.3', config: null, threads: () => null };
    const open = () => ({ ok: true as const, blas: generic });
    const passed = selectBlas('auto', 'wasm', { open, env: {} });
    expect(passed.native).toBe(false);
    expect(passed.reason).toMatch(/libblas\.so\.3 is not OpenBLAS/);
    expect(selectBlas('auto', 'wasm', { open, env: { RINGTRAIN_BLAS_LIBRARY: 'libblas.so.3' } }).native).toBe(true);
    expect(selectBlas('native', 'wasm', { open, env: {} }).native).toBe(true);
  });

  it('rejects an unknown name', () => {
    expect(() => selectBlas('mkl' as never, 'wasm', { open: available })).toThrow(/unknown --blas 'mkl', expected one of: auto, native, off/);
  });
});
