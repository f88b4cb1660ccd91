// The CBLAS library the addon opened (blas-library.c): opened with dlopen at run time, not linked, so that the addon
// builds with nothing but a C compiler and Node's headers, loads on a machine without any BLAS, and uses whichever
// CBLAS the machine has (Debian's libopenblas0 or libblas3, MKL or BLIS named by RINGTRAIN_BLAS_LIBRARY).
#ifndef RINGTRAIN_BLAS_LIBRARY_H
#define RINGTRAIN_BLAS_LIBRARY_H

#include <node_api.h>
#include <stdbool.h>

// CBLAS's enum values (cblas.h), declared here so that no BLAS headers are needed at build time.
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };

typedef void (*sgemm_fn)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                         int lda, const float *b, int ldb, float beta, float *c, int ldc);

// cblas_sgemm of the open library, or NULL before open() succeeded.
extern sgemm_fn blas_sgemm;

// The row-major sgemm every kernel here calls: C = op(A)·op(B) + beta·C, A m x k (k x m stored if trans_a), etc.
void sgemm_row_major(bool trans_a, bool trans_b, int m, int n, int k, const float *a, const float *b, float beta, float *c);

// Throws E_BLAS_UNAVAILABLE and returns false when no library is open.
bool require_blas(napi_env env, const char *caller);

// open(candidates: string[]): { library, config, threads }
napi_value blas_open(napi_env env, napi_callback_info cb);

// setThreads(n): boolean
napi_value blas_set_threads(napi_env env, napi_callback_info cb);

#endif
