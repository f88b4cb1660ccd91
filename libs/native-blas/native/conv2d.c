// conv2d(pass, a, b, out, geometry): the three products of a 2-D convolution (NHWC input, [KH, KW, C_in, C_out]
// filter), each as GEMMs over im2col rows:
//
//   pass 0, forward          a = x,  b = W   ->  y  = cols(x) · W          [rows, K] · [K, C_out]
//   pass 1, filter gradient  a = x,  b = dy  ->  dW = cols(x)ᵀ · dy        [K, rows] · [rows, C_out], summed
//   pass 2, input gradient   a = dy, b = W   ->  dx = col2im(dy · Wᵀ)      [rows, C_out] · [C_out, K], scattered
//                                                 (stride 1 and no dilation: a forward pass instead, see
//                                                 input_gradient_as_forward)
//
// where rows = N·OH·OW output positions, K = KH·KW·C_in, and cols(x)[(n, oh, ow), (kh, kw, ci)] =
// x[n, oh·s_h − pad_top + kh·d_h, ow·s_w − pad_left + kw·d_w, ci] (zero outside the image). The rows are
// processed in chunks of about CHUNK_FLOATS im2col entries, so the patch matrix never needs the memory of the
// whole batch (KH·KW times the input) and stays in cache between im2col and the GEMM: 256 KiB, within a core's
// L2. With 1 Mi floats the patch rows went out to the L3: together with the merged runs of patches() below, the
// cnn's conv2 (64 x 26 x 26 x 32, 3x3, 32 filters) takes 10-13 ms per pass against 12-23 ms before
// (tools/conv-bench.ts, README "Models and compute backends"). A 1x1, stride-1,
// unpadded convolution is already a GEMM on x: no im2col at all. Where the CPU has AVX-512, GEMMs with 16 or 32
// columns run on narrow-gemm.c instead of BLAS: the forward pass of a convolution with 16 or 32 filters (C_out),
// the stride-1 input gradient of one with 16 or 32 input channels (C_in: the forward pass over dy computes C_in
// outputs), and the filter gradient with 16 or 32 filters and patches of at least 48 floats.
//
// geometry is an Int32Array [N, H, W, C_in, KH, KW, C_out, OH, OW, stride_h, stride_w, dilation_h, dilation_w,
// pad_top, pad_left]. The arrays' lengths are checked against the geometry first (with overflow-checked
// products), and the image bounds for every patch element, so whatever the output size says, nothing outside x
// is read or written.

#include "conv2d.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blas-library.h"
#include "napi-helpers.h"
#include "narrow-gemm.h"

enum { PASS_FORWARD = 0, PASS_FILTER_GRADIENT = 1, PASS_INPUT_GRADIENT = 2 };
enum { GEOMETRY_LENGTH = 15 };
enum { CHUNK_FLOATS = 1 << 16 };

typedef struct {
  int32_t n, h, w, cin, kh, kw, cout, oh, ow, sh, sw, dh, dw, pt, pl;
} geometry;

// Sizes at least 1 (output sizes at least 0), strides and dilations at least 1, padding at least 0.
static const int32_t GEOMETRY_MINIMUM[GEOMETRY_LENGTH] = {1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0};

// Copies (add = false) `count` floats of x into a patch, or adds (add = true) them back into x.
static inline void move_run(float *restrict patch, float *restrict pixel, size_t count, bool add) {
  if (add) {
    for (size_t c = 0; c < count; c++) pixel[c] += patch[c];
  } else {
    memcpy(patch, pixel, count * sizeof(float));
  }
}

// Copies (add = false) the patches of output rows [r0, r1) into cols, or adds (add = true) cols back into x.
// Without dilation along the width, the taps of one kernel row that fall inside the image are neighbouring
// pixels, so they move as one run of (taps x C_in) floats: a third of the calls for a 3x3 kernel, each on
// three times the bytes (C_in floats alone are only 128 bytes for 32 channels).
static void patches(const geometry *g, float *x, int64_t r0, int64_t r1, float *cols, bool add) {
  const int64_t plane = (int64_t)g->oh * g->ow;
  const size_t cin = (size_t)g->cin;
  const size_t kernel_row = (size_t)g->kw * cin;
  for (int64_t r = r0; r < r1; r++) {
    const int64_t image = r / plane, position = r % plane;
    const int32_t oh = (int32_t)(position / g->ow), ow = (int32_t)(position % g->ow);
    float *patch = cols + (r - r0) * (int64_t)g->kh * (int64_t)kernel_row;
    const int64_t iw0 = (int64_t)ow * g->sw - g->pl;
    for (int32_t kh = 0; kh < g->kh; kh++, patch += kernel_row) {
      const int64_t ih = (int64_t)oh * g->sh - g->pt + (int64_t)kh * g->dh;
      if (ih < 0 || ih >= g->h) {
        if (!add) memset(patch, 0, kernel_row * sizeof(float));
        continue;
      }
      float *image_row = x + (image * g->h + ih) * g->w * (int64_t)cin;
      if (g->dw == 1) {
        // Taps [lo, hi) are inside the image: iw0 + kw in [0, W).
        const int64_t lo = iw0 >= 0 ? 0 : (-iw0 < g->kw ? -iw0 : g->kw);
        int64_t hi = g->w - iw0 < g->kw ? g->w - iw0 : g->kw;
        if (hi < lo) hi = lo;
        if (!add) {
          memset(patch, 0, (size_t)lo * cin * sizeof(float));
          memset(patch + hi * (int64_t)cin, 0, (size_t)(g->kw - hi) * cin * sizeof(float));
        }
        if (hi > lo) move_run(patch + lo * (int64_t)cin, image_row + (iw0 + lo) * (int64_t)cin, (size_t)(hi - lo) * cin, add);
        continue;
      }
      for (int32_t kw = 0; kw < g->kw; kw++) {
        const int64_t iw = iw0 + (int64_t)kw * g->dw;
        float *tap = patch + (int64_t)kw * (int64_t)cin;
        if (iw >= 0 && iw < g->w) move_run(tap, image_row + iw * (int64_t)cin, cin, add);
        else if (!add) memset(tap, 0, cin * sizeof(float));
      }
    }
  }
}

// Runs `pass` over all rows in chunks. `cols` has room for `chunk` rows, or is NULL for a 1x1 convolution (x is cols).
// `narrow`: whether the narrow kernels are in use (narrow_gemm_on(), read once per convolution).
static void run_pass(int pass, const geometry *g, float *a, float *b, float *out, int64_t chunk, float *cols, bool narrow) {
  const int64_t rows = (int64_t)g->n * g->oh * g->ow;
  const int32_t k = (int32_t)((int64_t)g->kh * g->kw * g->cin);  // checked <= INT32_MAX by conv2d() (patch_size, flipped_fits)
  if (pass != PASS_FORWARD) memset(out, 0, sizeof(float) * (pass == PASS_FILTER_GRADIENT ? (size_t)k * g->cout : (size_t)g->n * g->h * g->w * g->cin));
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t r1 = r0 + chunk < rows ? r0 + chunk : rows;
    const int32_t count = (int32_t)(r1 - r0);
    // The patch rows: im2col's copy, or for a 1x1 convolution the rows of x (dx for the input gradient) themselves.
    float *patch_rows = cols;
    if (patch_rows == NULL) patch_rows = (pass == PASS_INPUT_GRADIENT ? out : a) + r0 * k;
    switch (pass) {
      case PASS_FORWARD:
        if (cols != NULL) patches(g, a, r0, r1, cols, false);
        if (narrow_gemm_covers(narrow, g->cout)) narrow_gemm(count, g->cout, k, patch_rows, b, out + r0 * g->cout);
        else sgemm_row_major(false, false, count, g->cout, k, patch_rows, b, 0.0f, out + r0 * g->cout);
        break;
      case PASS_FILTER_GRADIENT:
        if (cols != NULL) patches(g, a, r0, r1, cols, false);
        if (narrow_gemm_tn_covers(narrow, k, g->cout)) narrow_gemm_tn_accumulate(k, g->cout, count, patch_rows, b + r0 * g->cout, out);
        else sgemm_row_major(true, false, k, g->cout, count, patch_rows, b + r0 * g->cout, 1.0f, out);
        break;
      default:  // PASS_INPUT_GRADIENT: without im2col the product lands in dx directly
        sgemm_row_major(false, true, count, k, g->cout, a + r0 * g->cout, b, 0.0f, patch_rows);
        if (cols != NULL) patches(g, out, r0, r1, cols, true);
        break;
    }
  }
}

// Rows per chunk for patch rows of k floats: about CHUNK_FLOATS floats, at least one row, at most `rows` (a
// chunk's row count goes to BLAS as an int, and rows * k fits in memory since the tensors do).
static int64_t chunk_rows(int64_t k, int64_t rows) {
  int64_t chunk = CHUNK_FLOATS / k > 0 ? CHUNK_FLOATS / k : 1;
  if (chunk > rows) chunk = rows;
  return chunk > INT32_MAX ? INT32_MAX : chunk;
}

static napi_value out_of_memory(napi_env env) {
  napi_throw_error(env, "E_NATIVE_BLAS", "conv2d: out of memory for the patch matrix");
  return NULL;
}

// The input gradient of a stride-1, undilated convolution is itself a convolution: dx = conv(dy, W') with the
// filter flipped in space and its channels swapped, W'[a, b, co, ci] = W[KH−1−a, KW−1−b, ci, co], and padding
// KH−1−pad_top and KW−1−pad_left (negative when the padding exceeds the kernel: patches() bounds every tap
// anyway). As a forward pass its GEMM has K = KH·KW·C_out and gathers instead of scattering: pass 2's GEMM has
// K = C_out (32 for the cnn, where BLAS runs at half speed) and its col2im adds every element KH·KW times.
static void input_gradient_as_forward(napi_env env, const geometry *g, float *dy, const float *w, float *dx, bool narrow) {
  const geometry flipped = {g->n, g->oh, g->ow, g->cout, g->kh, g->kw, g->cin, g->h, g->w, 1, 1, 1, 1, g->kh - 1 - g->pt, g->kw - 1 - g->pl};
  const int64_t k = (int64_t)g->kh * g->kw * g->cout, rows = (int64_t)g->n * g->h * g->w;
  const int64_t chunk = chunk_rows(k, rows);
  float *filter = malloc(sizeof(float) * (size_t)k * (size_t)g->cin);
  float *cols = malloc(sizeof(float) * (size_t)chunk * (size_t)k);
  if (filter == NULL || cols == NULL) {
    free(filter);
    free(cols);
    out_of_memory(env);
    return;
  }
  for (int32_t a = 0; a < g->kh; a++) {
    for (int32_t b = 0; b < g->kw; b++) {
      const float *tap = w + ((int64_t)(g->kh - 1 - a) * g->kw + (g->kw - 1 - b)) * g->cin * g->cout;
      float *flipped_tap = filter + ((int64_t)a * g->kw + b) * g->cout * g->cin;
      for (int32_t ci = 0; ci < g->cin; ci++) {
        for (int32_t co = 0; co < g->cout; co++) flipped_tap[(int64_t)co * g->cin + ci] = tap[(int64_t)ci * g->cout + co];
      }
    }
  }
  run_pass(PASS_FORWARD, &flipped, dy, filter, dx, chunk, cols, narrow);
  free(filter);
  free(cols);
}

napi_value conv2d(napi_env env, napi_callback_info cb) {
  napi_value argv[5];
  if (!exact_arguments(env, cb, 5, argv, "conv2d: expects (pass, a, b, out, geometry)")) return NULL;
  if (!require_blas(env, "conv2d")) return NULL;
  static const char *const names[] = {"conv2d: a", "conv2d: b", "conv2d: out"};
  int32_t pass;
  geometry g;
  float *arrays[3];
  size_t lengths[3];
  if (!int32_at_least(env, argv[0], 0, "conv2d: pass", &pass) || !float32_arrays(env, argv + 1, names, 3, arrays, lengths) ||
      !geometry_of(env, argv[4], GEOMETRY_LENGTH, GEOMETRY_MINIMUM, "conv2d: geometry", (int32_t *)&g)) return NULL;
  float *a = arrays[0], *b = arrays[1], *out = arrays[2];
  const size_t a_length = lengths[0], b_length = lengths[1], out_length = lengths[2];
  if (pass > PASS_INPUT_GRADIENT) return throw_range(env, "conv2d: pass must be 0 (forward), 1 (filter gradient) or 2 (input gradient)");
  const int64_t x_shape[] = {g.n, g.h, g.w, g.cin}, filter_shape[] = {g.kh, g.kw, g.cin, g.cout}, y_shape[] = {g.n, g.oh, g.ow, g.cout};
  const int64_t patch_shape[] = {g.kh, g.kw, g.cin};
  uint64_t x_size, filter_size, y_size, patch_size;
  if (!checked_product(x_shape, 4, &x_size) || !checked_product(filter_shape, 4, &filter_size) || !checked_product(y_shape, 4, &y_size) ||
      !checked_product(patch_shape, 3, &patch_size) || patch_size > INT32_MAX) {
    return throw_range(env, "conv2d: the geometry's sizes overflow");
  }
  const uint64_t expected[3][3] = {{x_size, filter_size, y_size}, {x_size, y_size, filter_size}, {y_size, filter_size, x_size}};
  if (a_length != expected[pass][0] || b_length != expected[pass][1] || out_length != expected[pass][2]) {
    return throw_range(env, "conv2d: an array's length does not match the geometry");
  }
  const int64_t k = (int64_t)patch_size;
  const bool pointwise = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.oh == g.h && g.ow == g.w;
  const int64_t rows = (int64_t)g.n * g.oh * g.ow;
  if (rows == 0) {
    if (pass != PASS_FORWARD) memset(out, 0, out_length * sizeof(float));
    return NULL;
  }
  const bool narrow = narrow_gemm_on();
  // The forward pass over dy has patch rows of KH·KW·C_out floats, which go to BLAS as an int too.
  const bool flipped_fits = (int64_t)g.kh * g.kw * g.cout <= INT32_MAX;
  if (pass == PASS_INPUT_GRADIENT && !pointwise && flipped_fits && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1) {
    input_gradient_as_forward(env, &g, a, b, out, narrow);
    return NULL;
  }
  float *cols = NULL;
  const int64_t chunk = pointwise ? (rows < INT32_MAX ? rows : INT32_MAX) : chunk_rows(k, rows);
  if (!pointwise && (cols = malloc(sizeof(float) * (size_t)chunk * (size_t)k)) == NULL) return out_of_memory(env);
  run_pass(pass, &g, a, b, out, chunk, cols, narrow);
  free(cols);
  return NULL;
}
