/* What the float and int8 CONV2D kernels share to build GEMM panels from the input
 * (im2col) and to run direct convolutions without a bounds test per tap. */
#ifndef EMBER_IM2COL_H
#define EMBER_IM2COL_H

#include "../gemm/gemm.h"
#include "op.h"

/* Tap column kw of a convolution reads input column j * stride_w + kw * dilation_w -
 * pad_left for output column j: that column is in the image for j in [lo[kw], hi[kw]).
 * Found once per kernel call for the first EMBER_TAP_COLUMNS_CACHED tap columns;
 * ember_tap_columns_get works out any other when asked. */
enum { EMBER_TAP_COLUMNS_CACHED = 16 };
typedef struct ember_tap_columns {
    int64_t w, ow, stride, dilation, pad;
    int64_t lo[EMBER_TAP_COLUMNS_CACHED], hi[EMBER_TAP_COLUMNS_CACHED];
} ember_tap_columns;

static inline void ember_tap_columns_init(ember_tap_columns *t, int64_t kw, int64_t w, int64_t ow,
                                          const ember_conv2d_params *p) {
    t->w = w, t->ow = ow, t->stride = p->stride_w, t->dilation = p->dilation_w, t->pad = p->pad_left;
    for (int64_t x = 0; x < kw && x < EMBER_TAP_COLUMNS_CACHED; x++)
        ember_window_taps(x * t->dilation - t->pad, w, t->stride, ow, &t->lo[x], &t->hi[x]);
}

static inline void ember_tap_columns_get(const ember_tap_columns *t, int64_t kw, int64_t *lo, int64_t *hi) {
    if (kw < EMBER_TAP_COLUMNS_CACHED)
        *lo = t->lo[kw], *hi = t->hi[kw];
    else
        ember_window_taps(kw * t->dilation - t->pad, t->w, t->stride, t->ow, lo, hi);
}

/* One kernel row's pass of a depthwise convolution with 3 kernel columns over output
 * columns [ja, jb): yr[j] (= b first, else +=) w0 * xr[j * sw] + w1 * xr[j * sw + dw] +
 * w2 * xr[j * sw + 2 * dw]. Inlined with constant stride and dilation for the common
 * cases so the loop vectorises (stride 2 as even/odd shuffles). */
static inline void ember_dw3_row(float *restrict yr, const float *restrict xr, int64_t ja, int64_t jb, int64_t sw,
                                 int64_t dw, int first, float b, float w0, float w1, float w2) {
    if (first)
        for (int64_t j = ja; j < jb; j++) yr[j] = b + w0 * xr[j * sw] + w1 * xr[j * sw + dw] + w2 * xr[j * sw + 2 * dw];
    else
        for (int64_t j = ja; j < jb; j++) yr[j] = yr[j] + w0 * xr[j * sw] + w1 * xr[j * sw + dw] + w2 * xr[j * sw + 2 * dw];
}

/* A panel's output positions q0 .. q0 + count (count <= EMBER_GEMM_NR; q = i * OW + j) as
 * runs along one output row: run g covers columns [a[g], b[g]) of output row row[g] and
 * starts at panel column slot[g]. */
typedef struct ember_row_runs {
    int64_t n;
    int64_t row[EMBER_GEMM_NR], a[EMBER_GEMM_NR], b[EMBER_GEMM_NR], slot[EMBER_GEMM_NR];
} ember_row_runs;

static inline void ember_row_runs_init(ember_row_runs *r, int64_t q0, int64_t count, int64_t ow) {
    r->n = 0;
    for (int64_t q = q0; q < q0 + count; r->n++) {
        int64_t g = r->n, j = q % ow, left = q0 + count - q;
        r->row[g] = q / ow, r->a[g] = j, r->b[g] = j + left < ow ? j + left : ow, r->slot[g] = q - q0;
        q += r->b[g] - j;
    }
}

#endif /* EMBER_IM2COL_H */
