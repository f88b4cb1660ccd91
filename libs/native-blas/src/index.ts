// @ringtrain/native-blas: native training kernels through an N-API addon built at install time - GEMM and
// im2col convolutions on the host's BLAS, batch norm and the max-pool/ReLU gradients in C. Optional by design:
// when the addon did not build or no BLAS is installed, openNativeBlas says why and callers keep their own kernels.

export {
  Conv2DPass,
  type BatchNormBackward,
  type BatchNormForward,
  DEFAULT_BLAS_LIBRARIES,
  openNativeBlas,
  type Conv2D,
  type Conv2DGeometry,
  type Gemm,
  type MaxPoolGrad,
  type NativeBlas,
  type NativeBlasResult,
  type PoolGeometry,
  type WindowGeometry,
} from './native-blas.js';
