// Float32 matrix products on the host's BLAS. tfjs-node brings libtensorflow's kernels but needs a download at
// install time; where it cannot be installed, the wasm backend's XNNPACK reaches 10-17 GFLOP/s per core (128-bit
// SIMD, no FMA), while OpenBLAS on the same core reaches 65-80 (AVX2/AVX-512 FMA). This module opens a CBLAS
// library through the addon in ../native/ and exposes what dense and convolution layers and their gradients
// need: a (batched) GEMM with an optional bias row and ReLU, the three products of a 2-D convolution, and batch
// normalisation's passes and the max pool's and ReLU's gradients (not BLAS, but loops that compiled C runs
// several times faster than JS, or in one pass where tfjs takes several).

import { createRequire } from 'node:module';

/** The addon's functions (../native/addon.c). */
interface Addon {
  open(candidates: string[]): { library: string; config: string | null; threads: number | null };
  setThreads(threads: number): boolean;
  gemm(
    a: Float32Array, b: Float32Array, c: Float32Array, bias: Float32Array | null,
    batch: number, batchA: number, batchB: number, m: number, n: number, k: number,
    transposeA: boolean, transposeB: boolean, relu: boolean,
  ): void;
  conv2d(pass: number, a: Float32Array, b: Float32Array, out: Float32Array, geometry: Int32Array): void;
  batchNormForward(
    x: Float32Array, gamma: Float32Array, beta: Float32Array, epsilon: number,
    y: Float32Array, mean: Float32Array, variance: Float32Array, inverseStd: Float32Array,
  ): void;
  batchNormBackward(
    dy: Float32Array, x: Float32Array, mean: Float32Array, inverseStd: Float32Array, gamma: Float32Array,
    dx: Float32Array, dGamma: Float32Array, dBeta: Float32Array,
  ): void;
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  reluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  narrowKernels(enabled?: boolean): boolean;
}

/**
 * One product: for every i < batch, c[i] = act(op(a[i]) · op(b[i]) + bias), row-major. The product is rounded to
 * float32 before the bias is added (as tfjs's MatMul then Add), so a fused layer gives the bits of the same layer
 * unfused.
 */
export interface Gemm {
  /** op(a) is m x k: a holds batchA (1 or batch) matrices of m x k, or k x m when transposeA. */
  a: Float32Array;
  /** op(b) is k x n: b holds batchB (1 or batch) matrices of k x n, or n x k when transposeB. */
  b: Float32Array;
  /** The output, batch matrices of m x n; overwritten. */
  c: Float32Array;
  /** Added to every row of the product (n entries), or null. */
  bias: Float32Array | null;
  batch: number;
  batchA: number;
  batchB: number;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  /** Whether to clamp the result at 0 from below (max(0, x)); NaN stays NaN, as in tfjs's Relu. */
  relu: boolean;
}

/** Which product of a convolution conv2d computes (the numbers are the addon's). */
export const Conv2DPass = { forward: 0, filterGradient: 1, inputGradient: 2 } as const;
export type Conv2DPass = keyof typeof Conv2DPass;

/** What a window sliding over an NHWC image [n, h, w, ·] to an output [n, oh, ow, ·] needs (conv and pool alike). */
export interface WindowGeometry {
  n: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  /** Zero rows above the input and columns left of it; the ones below and right follow from oh and ow. */
  padTop: number;
  padLeft: number;
}

/** A 2-D convolution over an NHWC input [n, h, w, cin] with a [kh, kw, cin, cout] filter, giving [n, oh, ow, cout]. */
export interface Conv2DGeometry extends WindowGeometry {
  cin: number;
  kh: number;
  kw: number;
  cout: number;
}

/**
 * One product of a convolution, as im2col GEMMs in the addon (native/conv2d.c):
 *   forward         a = x,  b = filter -> out = y
 *   filterGradient  a = x,  b = dy     -> out = dFilter
 *   inputGradient   a = dy, b = filter -> out = dx
 */
export interface Conv2D {
  pass: Conv2DPass;
  a: Float32Array;
  b: Float32Array;
  out: Float32Array;
  geometry: Conv2DGeometry;
}

/**
 * Batch normalisation in training mode over channels-last activations (rows of C channels), native/batch-norm.c:
 *   forward:  mean = Σx/M, variance = Σ(x − mean)²/M, inverseStd = 1/sqrt(variance + ε), y = γ·(x − mean)·inverseStd + β
 *   backward: dBeta = Σdy, dGamma = Σ dy·x̂, dx = γ·inverseStd/M · (M·dy − dBeta − x̂·dGamma), x̂ = (x − mean)·inverseStd
 */
export interface BatchNormForward {
  x: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  epsilon: number;
  /** Outputs: y the size of x, the rest one entry per channel. */
  y: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  inverseStd: Float32Array;
}

export interface BatchNormBackward {
  dy: Float32Array;
  x: Float32Array;
  mean: Float32Array;
  inverseStd: Float32Array;
  gamma: Float32Array;
  /** Outputs: dx the size of x, dGamma and dBeta one entry per channel. */
  dx: Float32Array;
  dGamma: Float32Array;
  dBeta: Float32Array;
}

/** A 2-D max pool over an NHWC input [n, h, w, c] giving [n, oh, ow, c]. */
export interface PoolGeometry extends WindowGeometry {
  c: number;
  /** The window's extent with dilation: dilation·(size − 1) + 1. */
  effectiveFilterH: number;
  effectiveFilterW: number;
}

/** The max pool's gradient: each window's dy goes to its first maximum in x (native/max-pool-grad.c). */
export interface MaxPoolGrad {
  x: Float32Array;
  dy: Float32Array;
  /** Output, the size of x; overwritten. */
  dx: Float32Array;
  geometry: PoolGeometry;
}

export interface NativeBlas {
  /** The library that was opened (a name dlopen resolved, or RINGTRAIN_BLAS_LIBRARY). */
  library: string;
  /** OpenBLAS's build description (version, kernel, thread limit), null for other libraries. */
  config: string | null;
  /** OpenBLAS's thread count, null for other libraries. */
  threads(): number | null;
  /** Sets OpenBLAS's thread count; false when the library has no such control. */
  setThreads(threads: number): boolean;
  /** Runs one product; lengths that do not match the shapes raise a RangeError (code E_INVALID_ARGUMENT). */
  gemm(product: Gemm): void;
  /** Runs one convolution product; lengths that do not match the geometry raise a RangeError (E_INVALID_ARGUMENT). */
  conv2d(convolution: Conv2D): void;
  /** Batch norm's training forward pass; lengths that do not fit raise a RangeError (E_INVALID_ARGUMENT). */
  batchNormForward(pass: BatchNormForward): void;
  /** Batch norm's backward pass. */
  batchNormBackward(pass: BatchNormBackward): void;
  /** A max pool's gradient; lengths that do not match the geometry raise a RangeError (E_INVALID_ARGUMENT). */
  maxPoolGrad(pass: MaxPoolGrad): void;
  /** The ReLU's gradient dx = dy·step(x), as tfjs computes it (step(NaN) = NaN), in one pass (native/relu-grad.c). */
  reluGrad(pass: { dy: Float32Array; x: Float32Array; dx: Float32Array }): void;
  /**
   * Whether conv2d's GEMMs with 16 or 32 columns run on the addon's own AVX-512 kernels instead of BLAS
   * (native/narrow-gemm.c): the forward pass with 16 or 32 filters, the stride-1 input gradient with 16 or 32 input
   * channels (a forward pass over dy), the filter gradient with 16 or 32 filters and patches of at least 48 floats.
   * On by default where the CPU has AVX-512F (x86-64 builds). `enabled` turns them on (where supported) or off for
   * the whole process, every thread included, for tests and benchmarks.
   */
  narrowKernels(enabled?: boolean): boolean;
}

function poolGeometryArray(g: PoolGeometry): Int32Array {
  return Int32Array.of(g.n, g.h, g.w, g.c, g.oh, g.ow, g.strideH, g.strideW, g.dilationH, g.dilationW, g.effectiveFilterH, g.effectiveFilterW, g.padTop, g.padLeft);
}

function conv2dGeometryArray(g: Conv2DGeometry): Int32Array {
  return Int32Array.of(g.n, g.h, g.w, g.cin, g.kh, g.kw, g.cout, g.oh, g.ow, g.strideH, g.strideW, g.dilationH, g.dilationW, g.padTop, g.padLeft);
}

/** Where a CBLAS may be found, in order: Debian/Ubuntu's OpenBLAS, then the generic BLAS (alternatives), macOS's Accelerate. */
export const DEFAULT_BLAS_LIBRARIES: readonly string[] = [
  'libopenblas.so.0',
  'libopenblas.so',
  'libblas.so.3',
  '/System/Library/Frameworks/Accelerate.framework/Accelerate',
];

export type NativeBlasResult = { ok: true; blas: NativeBlas } | { ok: false; reason: string };

const describe = (error: unknown) => (error instanceof Error ? error.message.split('\n')[0]! : String(error));

function loadAddon(): Addon | string {
  try {
    return createRequire(import.meta.url)('../build/Release/ringtrain_blas.node') as Addon;
  } catch (error) {
    return `the native addon is not built (${describe(error)}); \`npm rebuild @ringtrain/native-blas\` shows why (it needs a C compiler and Node's headers)`;
  }
}

let opened: NativeBlasResult | undefined;

/**
 * Opens the host's BLAS, once per process: RINGTRAIN_BLAS_LIBRARY (a file name or path) if set, otherwise the
 * first of DEFAULT_BLAS_LIBRARIES that has cblas_sgemm. Never throws: a machine without a BLAS, or without the
 * built addon, gets the reason instead. OpenBLAS reads its thread count from OPENBLAS_NUM_THREADS or
 * OMP_NUM_THREADS when it is opened (all cores when neither is set).
 */
export function openNativeBlas(env: NodeJS.ProcessEnv = process.env): NativeBlasResult {
  if (opened !== undefined) return opened;
  const addon = loadAddon();
  if (typeof addon === 'string') return (opened = { ok: false, reason: addon });
  const override = env['RINGTRAIN_BLAS_LIBRARY'];
  const candidates = override !== undefined && override !== '' ? [override] : [...DEFAULT_BLAS_LIBRARIES];
  try {
    const { library, config } = addon.open(candidates);
    const blas: NativeBlas = {
      library,
      config,
      threads: () => addon.open([]).threads,
      setThreads: (threads) => addon.setThreads(threads),
      gemm: (p) => addon.gemm(p.a, p.b, p.c, p.bias, p.batch, p.batchA, p.batchB, p.m, p.n, p.k, p.transposeA, p.transposeB, p.relu),
      conv2d: (c) => addon.conv2d(Conv2DPass[c.pass], c.a, c.b, c.out, conv2dGeometryArray(c.geometry)),
      batchNormForward: (p) => addon.batchNormForward(p.x, p.gamma, p.beta, p.epsilon, p.y, p.mean, p.variance, p.inverseStd),
      batchNormBackward: (p) => addon.batchNormBackward(p.dy, p.x, p.mean, p.inverseStd, p.gamma, p.dx, p.dGamma, p.dBeta),
      maxPoolGrad: (p) => addon.maxPoolGrad(p.x, p.dy, p.dx, poolGeometryArray(p.geometry)),
      reluGrad: (p) => addon.reluGrad(p.dy, p.x, p.dx),
      narrowKernels: (enabled) => (enabled === undefined ? addon.narrowKernels() : addon.narrowKernels(enabled)),
    };
    return (opened = { ok: true, blas });
  } catch (error) {
    return (opened = { ok: false, reason: `no CBLAS library could be opened (${describe(error)})` });
  }
}
