// C = A·B for a narrow B (a convolution's filter count of columns), without BLAS: see narrow-gemm.c.
#ifndef RINGTRAIN_NARROW_GEMM_H
#define RINGTRAIN_NARROW_GEMM_H

#include <node_api.h>
#include <stdbool.h>

// Whether the kernels are in use (an AVX-512 CPU, an x86-64 build, not turned off): read once per convolution, so
// that one call never mixes them with BLAS, and passed to the two functions below.
bool narrow_gemm_on(void);

// Whether narrow_gemm computes products with n columns (n = 16 or 32) when the kernels are `on`.
bool narrow_gemm_covers(bool on, int n);

// C = A·B, A m x k, B k x n, C m x n, row-major and contiguous; only where narrow_gemm_covers(n).
void narrow_gemm(int m, int n, int k, const float *a, const float *b, float *c);

// Whether narrow_gemm_tn_accumulate computes products with m rows (m >= 48) and n columns when the kernels are `on`.
bool narrow_gemm_tn_covers(bool on, int m, int n);

// C += Aᵀ·B, A k x m, B k x n, C m x n, row-major and contiguous; only where narrow_gemm_tn_covers(m, n).
void narrow_gemm_tn_accumulate(int m, int n, int k, const float *a, const float *b, float *c);

// narrowKernels(enabled?: boolean): boolean - turns the kernels on or off for the whole process (tests,
// benchmarks) and says whether convolutions use them now (off, or not supported by this CPU or build: false).
napi_value narrow_kernels(napi_env env, napi_callback_info cb);

#endif
