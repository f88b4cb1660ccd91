// C = A·B for a narrow B (a convolution's filter count of columns), without BLAS: see narrow-gemm.c.
#ifndef RINGTRAIN_NARROW_GEMM_H
#define RINGTRAIN_NARROW_GEMM_H

#include <node_api.h>
#include <stdbool.h>

// Whether narrow_gemm computes products with n columns here (n = 16 or 32, an AVX-512 CPU, and not turned off).
bool narrow_gemm_covers(int n);

// C = A·B, A m x k, B k x n, C m x n, row-major and contiguous; only where narrow_gemm_covers(n).
void narrow_gemm(int m, int n, int k, const float *a, const float *b, float *c);

// Whether narrow_gemm_tn_accumulate computes products with m rows and n columns here.
bool narrow_gemm_tn_covers(int m, int n);

// C += Aᵀ·B, A k x m, B k x n, C m x n, row-major and contiguous; only where narrow_gemm_tn_covers(m, n).
void narrow_gemm_tn_accumulate(int m, int n, int k, const float *a, const float *b, float *c);

// narrowKernels(enabled?: boolean): boolean - turns the kernels on or off (tests, benchmarks) and says whether
// convolutions use them now (off, or not supported by this CPU or build: false).
napi_value narrow_kernels(napi_env env, napi_callback_info cb);

#endif
