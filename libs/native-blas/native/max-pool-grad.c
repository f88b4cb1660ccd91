// maxPoolGrad(x, dy, dx, geometry): the gradient of a 2-D max pool over an NHWC input. Each window's dy goes to the
// first position (row-major window order, strict >, from -infinity) holding the window's maximum, per channel - the
// choice of tfjs's cpu kernel, and of torch for finite values, which matters for the all-zero windows a ReLU
// leaves; a window with no value above -infinity passes nothing (torch would pick NaN, or an all -infinity
// window's first position); overlapping windows add up. Not a BLAS operation: a branchy pass that
// JavaScript runs 5-8x slower than C.
//
// geometry is an Int32Array [N, H, W, C, OH, OW, stride_h, stride_w, dilation_h, dilation_w, effective_filter_h,
// effective_filter_w, pad_top, pad_left]; every tap is bounds-checked against the image.

#include "max-pool-grad.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "napi-helpers.h"

enum { GEOMETRY_LENGTH = 14 };

typedef struct {
  int32_t n, h, w, c, oh, ow, sh, sw, dh, dw, fh, fw, pt, pl;
} pool_geometry;

// The first tap corner + i·dilation that is >= 0.
static int64_t first_inside(int64_t corner, int64_t dilation) {
  return corner >= 0 ? corner : corner + ((-corner + dilation - 1) / dilation) * dilation;
}

static void run(const pool_geometry *g, const float *x, const float *dy, float *dx) {
  memset(dx, 0, sizeof(float) * (size_t)g->n * g->h * g->w * g->c);
  const float *gradient = dy;
  for (int64_t n = 0; n < g->n; n++) {
    for (int64_t y_row = 0; y_row < g->oh; y_row++) {
      const int64_t row_corner = y_row * g->sh - g->pt;
      const int64_t row_start = first_inside(row_corner, g->dh);
      const int64_t row_end = row_corner + g->fh < g->h ? row_corner + g->fh : g->h;
      for (int64_t y_col = 0; y_col < g->ow; y_col++, gradient += g->c) {
        const int64_t col_corner = y_col * g->sw - g->pl;
        const int64_t col_start = first_inside(col_corner, g->dw);
        const int64_t col_end = col_corner + g->fw < g->w ? col_corner + g->fw : g->w;
        for (int64_t d = 0; d < g->c; d++) {
          float best = -INFINITY;
          int64_t position = -1;
          for (int64_t r = row_start; r < row_end; r += g->dh) {
            for (int64_t col = col_start; col < col_end; col += g->dw) {
              const int64_t at = ((n * g->h + r) * g->w + col) * g->c + d;
              if (x[at] > best) {
                best = x[at];
                position = at;
              }
            }
          }
          if (position >= 0) dx[position] += gradient[d];
        }
      }
    }
  }
}

napi_value max_pool_grad(napi_env env, napi_callback_info cb) {
  napi_value argv[4];
  if (!exact_arguments(env, cb, 4, argv, "maxPoolGrad: expects (x, dy, dx, geometry)")) return NULL;
  static const char *const names[] = {"maxPoolGrad: x", "maxPoolGrad: dy", "maxPoolGrad: dx"};
  float *a[3];
  size_t length[3];
  if (!float32_arrays(env, argv, names, 3, a, length)) return NULL;
  // Sizes at least 1 (output sizes at least 0), strides, dilations and filter extents at least 1, padding at least 0.
  static const int32_t minimum[GEOMETRY_LENGTH] = {1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0};
  pool_geometry g;
  if (!geometry_of(env, argv[3], GEOMETRY_LENGTH, minimum, "maxPoolGrad: geometry", (int32_t *)&g)) return NULL;
  const int64_t x_shape[] = {g.n, g.h, g.w, g.c}, dy_shape[] = {g.n, g.oh, g.ow, g.c};
  uint64_t x_size, dy_size;
  if (!checked_product(x_shape, 4, &x_size) || !checked_product(dy_shape, 4, &dy_size)) return throw_range(env, "maxPoolGrad: the geometry's sizes overflow");
  if (length[0] != x_size || length[2] != x_size || length[1] != dy_size) return throw_range(env, "maxPoolGrad: an array's length does not match the geometry");
  run(&g, a[0], a[1], a[2]);
  return NULL;
}
