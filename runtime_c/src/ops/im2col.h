/* What the float and int8 CONV2D kernels share to build GEMM panels from the input
 * (im2col: tap plans) and to run direct convolutions without a bounds test per tap. */
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

/* Where a panel's taps read. Tap (c, kh, kw) of output position q = i * OW + j reads
 * x[c][i * sh + kh * dh - pt][j * sw + kw * dw - pl]; the same (kh, kw) reads the same
 * offsets from every channel's plane, so a plan per (kh, kw) serves all C channels:
 * src[j] is panel column j's offset in the plane (-1: padding, or past the panel's nc
 * positions), and `direct` is src[0] when all NR columns are in the image and
 * consecutive (the row is then read in place), else -1. The first
 * EMBER_TAP_PLANS_CACHED plans are made once per panel; the packers make any other
 * when it comes. */
enum { EMBER_TAP_PLANS_CACHED = 64 };
typedef struct ember_tap_plan { int64_t direct, src[EMBER_GEMM_NR]; } ember_tap_plan;

typedef struct ember_panel_taps {
    int64_t oi[EMBER_GEMM_NR], oj[EMBER_GEMM_NR], nc, h, w, kh, kw;
    const ember_conv2d_params *p;
    ember_tap_plan plan[EMBER_TAP_PLANS_CACHED];
} ember_panel_taps;

static inline void ember_tap_plan_make(const ember_panel_taps *pt, int64_t ki, int64_t kj, ember_tap_plan *t) {
    const ember_conv2d_params *p = pt->p;
    int contiguous = pt->nc == EMBER_GEMM_NR;
    for (int j = 0; j < EMBER_GEMM_NR; j++) {
        int64_t r = pt->oi[j] * p->stride_h + ki * p->dilation_h - p->pad_top;
        int64_t col = pt->oj[j] * p->stride_w + kj * p->dilation_w - p->pad_left;
        t->src[j] = j < pt->nc && r >= 0 && r < pt->h && col >= 0 && col < pt->w ? r * pt->w + col : -1;
        contiguous = contiguous && t->src[j] >= 0 && t->src[j] == t->src[0] + j;
    }
    t->direct = contiguous ? t->src[0] : -1;
}

/* The plans of panel columns q0 .. q0 + nc (nc <= NR) of a (H, W) -> (OH, OW) convolution. */
static inline void ember_panel_taps_init(ember_panel_taps *pt, int64_t q0, int64_t nc, int64_t ow, int64_t h,
                                         int64_t w, int64_t kh, int64_t kw, const ember_conv2d_params *p) {
    pt->nc = nc, pt->h = h, pt->w = w, pt->kh = kh, pt->kw = kw, pt->p = p;
    for (int64_t j = 0; j < EMBER_GEMM_NR; j++) pt->oi[j] = (q0 + j) / ow, pt->oj[j] = (q0 + j) % ow;
    for (int64_t t = 0; t < kh * kw && t < EMBER_TAP_PLANS_CACHED; t++) ember_tap_plan_make(pt, t / kw, t % kw, &pt->plan[t]);
}

/* The plan of tap (ki, kj): a cached one, or one made into *spare. */
static inline const ember_tap_plan *ember_tap_plan_get(const ember_panel_taps *pt, int64_t ki, int64_t kj,
                                                       ember_tap_plan *spare) {
    int64_t t = ki * pt->kw + kj;
    if (t < EMBER_TAP_PLANS_CACHED) return &pt->plan[t];
    ember_tap_plan_make(pt, ki, kj, spare);
    return spare;
}

#endif /* EMBER_IM2COL_H */
