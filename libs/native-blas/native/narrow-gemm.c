// C = A·B where B has 16 or 32 columns: the GEMM of a convolution with that many filters (rows = output positions,
// A = the im2col patch rows, B = the filter). BLAS's kernels are built for wide products: on the cnn's conv2
// ([36864 x 288]·[288 x 32]) OpenBLAS 0.3.21 (SkylakeX kernels) ran at about half the speed of a 1024³ product on
// this machine (tools/gemm-bench.ts), and it packs B again for every chunk of rows conv2d.c hands it. Here B is read as it
// is (k·n floats: 36 KB for k = 288, within this machine's 48 KiB L1; a 32 KiB L1 serves it from L2), and each
// block of 12 rows of C lives in 12 x n/16 AVX-512 registers while k runs: one broadcast of an element of A feeds
// n/16 fused multiply-adds. (Not measured on CPUs that lower their clock for AVX-512 code.) tools/conv-bench.ts
// times the convolutions with and without these kernels. Each element of C is summed over k in order, like a
// straightforward loop (BLAS's order may differ: the results agree to float32 rounding, not bit for bit).
//
// Compiled only for x86-64 with GCC or Clang, and used only where the CPU reports AVX-512F at run time; elsewhere
// narrow_gemm_on() is false and convolutions stay on BLAS.

#include "narrow-gemm.h"

#include <stddef.h>

#include "napi-helpers.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NARROW_GEMM_BUILT 1
#include <immintrin.h>

enum { ROWS = 12, LANES = 16 };

// `rows` rows of C (a compile-time constant after inlining, so the accumulators stay in registers), `nv` vectors wide.
__attribute__((target("avx512f"), always_inline)) static inline void block(int rows, int nv, int k, const float *a, const float *b, float *c) {
  __m512 acc[ROWS][2];
  for (int i = 0; i < rows; i++) {
    for (int j = 0; j < nv; j++) acc[i][j] = _mm512_setzero_ps();
  }
  for (int p = 0; p < k; p++) {
    __m512 column[2];
    for (int j = 0; j < nv; j++) column[j] = _mm512_loadu_ps(b + ((size_t)p * nv + j) * LANES);
    for (int i = 0; i < rows; i++) {
      const __m512 element = _mm512_set1_ps(a[(size_t)i * k + p]);
      for (int j = 0; j < nv; j++) acc[i][j] = _mm512_fmadd_ps(element, column[j], acc[i][j]);
    }
  }
  for (int i = 0; i < rows; i++) {
    for (int j = 0; j < nv; j++) _mm512_storeu_ps(c + ((size_t)i * nv + j) * LANES, acc[i][j]);
  }
}

__attribute__((target("avx512f"))) static void gemm_n16(int m, int k, const float *a, const float *b, float *c) {
  int r = 0;
  for (; r <= m - ROWS; r += ROWS) block(ROWS, 1, k, a + (size_t)r * k, b, c + (size_t)r * LANES);
  for (; r < m; r++) block(1, 1, k, a + (size_t)r * k, b, c + (size_t)r * LANES);
}

__attribute__((target("avx512f"))) static void gemm_n32(int m, int k, const float *a, const float *b, float *c) {
  int r = 0;
  for (; r <= m - ROWS; r += ROWS) block(ROWS, 2, k, a + (size_t)r * k, b, c + (size_t)r * 2 * LANES);
  for (; r < m; r++) block(1, 2, k, a + (size_t)r * k, b, c + (size_t)r * 2 * LANES);
}

// C[rows x nv·16] += Aᵀ·B for `rows` columns of A (A k x lda, row-major: `a` points at the first of those columns),
// B k x nv·16: the filter gradient's product, summed over a chunk of output positions (k here).
__attribute__((target("avx512f"), always_inline)) static inline void block_tn(int rows, int nv, int k, int lda, const float *a, const float *b, float *c) {
  __m512 acc[ROWS][2];
  for (int i = 0; i < rows; i++) {
    for (int j = 0; j < nv; j++) acc[i][j] = _mm512_loadu_ps(c + ((size_t)i * nv + j) * LANES);
  }
  for (int p = 0; p < k; p++) {
    __m512 row[2];
    for (int j = 0; j < nv; j++) row[j] = _mm512_loadu_ps(b + ((size_t)p * nv + j) * LANES);
    const float *column = a + (size_t)p * lda;
    for (int i = 0; i < rows; i++) {
      const __m512 element = _mm512_set1_ps(column[i]);
      for (int j = 0; j < nv; j++) acc[i][j] = _mm512_fmadd_ps(element, row[j], acc[i][j]);
    }
  }
  for (int i = 0; i < rows; i++) {
    for (int j = 0; j < nv; j++) _mm512_storeu_ps(c + ((size_t)i * nv + j) * LANES, acc[i][j]);
  }
}

__attribute__((target("avx512f"))) static void gemm_tn_n16(int m, int k, const float *a, const float *b, float *c) {
  int r = 0;
  for (; r <= m - ROWS; r += ROWS) block_tn(ROWS, 1, k, m, a + r, b, c + (size_t)r * LANES);
  for (; r < m; r++) block_tn(1, 1, k, m, a + r, b, c + (size_t)r * LANES);
}

__attribute__((target("avx512f"))) static void gemm_tn_n32(int m, int k, const float *a, const float *b, float *c) {
  int r = 0;
  for (; r <= m - ROWS; r += ROWS) block_tn(ROWS, 2, k, m, a + r, b, c + (size_t)r * 2 * LANES);
  for (; r < m; r++) block_tn(1, 2, k, m, a + r, b, c + (size_t)r * 2 * LANES);
}

static bool cpu_has_avx512f(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}
#else
#define NARROW_GEMM_BUILT 0
#endif

#if NARROW_GEMM_BUILT
// Process-wide (every thread's convolutions): -1 not yet asked (the CPU check runs at the first use), 0 off or
// unsupported, 1 on. Atomic: worker threads of one process share the addon.
static int enabled = -1;

static bool kernels_on(void) {
  int state = __atomic_load_n(&enabled, __ATOMIC_RELAXED);
  if (state < 0) {
    state = cpu_has_avx512f() ? 1 : 0;
    __atomic_store_n(&enabled, state, __ATOMIC_RELAXED);
  }
  return state == 1;
}
#else
static bool kernels_on(void) {
  return false;
}
#endif

bool narrow_gemm_on(void) {
  return kernels_on();
}

bool narrow_gemm_covers(bool on, int n) {
  return on && (n == 16 || n == 32);
}

// The filter gradient's rows of C are the patch length: with fewer than a few blocks of 12 the kernel reads the
// chunk once per row instead (the cnn's first conv, K = 9: 3.0-4.3 ms against BLAS's 2.4-3.6, tools/conv-bench.ts).
bool narrow_gemm_tn_covers(bool on, int m, int n) {
  return m >= 48 && narrow_gemm_covers(on, n);
}

void narrow_gemm(int m, int n, int k, const float *a, const float *b, float *c) {
#if NARROW_GEMM_BUILT
  if (n == 16) gemm_n16(m, k, a, b, c);
  else gemm_n32(m, k, a, b, c);
#else
  (void)m, (void)n, (void)k, (void)a, (void)b, (void)c;
#endif
}

void narrow_gemm_tn_accumulate(int m, int n, int k, const float *a, const float *b, float *c) {
#if NARROW_GEMM_BUILT
  if (n == 16) gemm_tn_n16(m, k, a, b, c);
  else gemm_tn_n32(m, k, a, b, c);
#else
  (void)m, (void)n, (void)k, (void)a, (void)b, (void)c;
#endif
}

napi_value narrow_kernels(napi_env env, napi_callback_info cb) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, cb, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc >= 1) {
    napi_valuetype type;
    bool on;
    if (napi_typeof(env, argv[0], &type) != napi_ok || type != napi_boolean || napi_get_value_bool(env, argv[0], &on) != napi_ok) {
      return throw_range(env, "narrowKernels: expects (enabled?: boolean)");
    }
#if NARROW_GEMM_BUILT
    __atomic_store_n(&enabled, on && cpu_has_avx512f() ? 1 : 0, __ATOMIC_RELAXED);
#else
    (void)on;
#endif
  }
  napi_value result;
  napi_get_boolean(env, kernels_on(), &result);
  return result;
}
