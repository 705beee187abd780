/* GRID_SAMPLE, NCHW, float32: out[n, c, i, j] samples x[n, c] at grid[n, i, j] = (gx, gy),
 * as torch's grid_sampler_2d (its CPU kernel's float32 arithmetic, step by step; the
 * Python runtime, runtime_py/kernels/grid_sample.py, does the same operations in the same
 * order, so the two agree bit for bit unless a compiler fuses multiply-adds):
 *   unnormalize   align_corners: (g + 1) * ((size - 1) / 2); else (g + 1) * (size / 2) - 0.5
 *   BORDER        clip: min(max(v, 0), size - 1), a NaN becoming 0
 *   REFLECTION    about low = 0 (align_corners) or -0.5, span s = 2 * (size - 1) or 2 * size:
 *                 a = |v - low|, e = a - trunc(a / s) * s, min(e, s - e) + low, then clip;
 *                 0 where the span is empty (size <= 1 with align_corners, else size 0)
 *   NEAREST       the pixel at the coordinate rounded half to even (nearbyintf)
 *   BILINEAR      the four pixels around it: nw*w_nw + ne*w_ne + sw*w_sw + se*w_se
 *   BICUBIC       4x4 pixels from floor(v) - 1 of the unpadded coordinate, cubic
 *                 convolution weights (A = -0.75), each tap's coordinate padded on its own
 * A coordinate v reads the pixel trunc(v) when -1 < v < size, else 0 (ZEROS outside).
 * x: (N, C, H, W); grid: (N, OH, OW, 2); out: (N, C, OH, OW). */
#include "op.h"

#define CUBIC_A (-0.75f)

/* One axis of x: its size and what padding and unnormalizing need, as floats. */
typedef struct sample_axis {
    int64_t size;
    float half, shift, max, low, span;   /* unnormalize: (g + 1) * half - shift; clip to [0, max] */
    int empty, padding;                  /* empty: reflection maps everything to 0 */
} sample_axis;

static void axis_init(sample_axis *ax, int64_t size, const ember_grid_sample_params *p) {
    ax->size = size;
    ax->half = p->align_corners ? (float)(size - 1) / 2.0f : (float)size / 2.0f;
    ax->shift = p->align_corners ? 0.0f : 0.5f;
    ax->max = (float)(size - 1);
    ax->low = p->align_corners ? 0.0f : -0.5f;
    ax->span = p->align_corners ? (float)(size - 1) * 2.0f : (float)size * 2.0f;
    ax->empty = p->align_corners ? size <= 1 : size <= 0;
    ax->padding = p->padding;
}

static float unnormalize(const sample_axis *ax, float g) {
    float v = (g + 1.0f) * ax->half;
    return ax->shift != 0.0f ? v - ax->shift : v;
}

static float clip(const sample_axis *ax, float v) {
    v = v > 0.0f ? v : 0.0f;   /* NaN: 0 */
    return v < ax->max ? v : ax->max;
}

/* v through the axis' padding (ZEROS: unchanged). */
static float pad_coord(const sample_axis *ax, float v) {
    if (ax->padding == EMBER_SAMPLE_PAD_BORDER) return clip(ax, v);
    if (ax->padding != EMBER_SAMPLE_PAD_REFLECTION) return v;
    if (ax->empty) return clip(ax, 0.0f);
    float a = fabsf(v - ax->low);
    float flips = truncf(a / ax->span);
    float e = a - flips * ax->span, r = ax->span - e;
    return clip(ax, (e < r ? e : r) + ax->low);   /* NaN stays NaN, then clips to 0 */
}

/* The pixel a tap coordinate reads: trunc(v) when -1 < v < size, else -1 (none). */
static int64_t tap_index(const sample_axis *ax, float v) {
    if (!(v > -1.0f && v < (float)ax->size)) return -1;
    int64_t i = (int64_t)v;
    return i < ax->size ? i : -1;
}

/* An integral float as an index, -2 outside [-1, size] (and for NaN): then it and the
 * next index are both outside the image. */
static int64_t floor_index(const sample_axis *ax, float f) {
    return f >= -1.0f && f <= (float)ax->size ? (int64_t)f : -2;
}

static int inside(const sample_axis *ax, int64_t i) { return i >= 0 && i < ax->size; }

/* The four cubic convolution weights of taps -1, 0, 1, 2 at fraction t. */
static void cubic_weights(float t, float c[4]) {
    const float a = CUBIC_A;
    float s = t + 1.0f;
    c[0] = ((a * s - 5.0f * a) * s + 8.0f * a) * s - 4.0f * a;
    c[1] = ((a + 2.0f) * t - (a + 3.0f)) * t * t + 1.0f;
    s = 1.0f - t;
    c[2] = ((a + 2.0f) * s - (a + 3.0f)) * s * s + 1.0f;
    s = 2.0f - t;
    c[3] = ((a * s - 5.0f * a) * s + 8.0f * a) * s - 4.0f * a;
}

/* What one output position reads from every channel's plane: up to 16 pixels (offset
 * into the (H, W) plane, -1 for a zero) and their weights. */
typedef struct sample_taps {
    int64_t off[16];
    float wx[4], wy[4];   /* BILINEAR: weights in w[0..3]; BICUBIC: per column and row */
} sample_taps;

static void taps_bicubic(const sample_axis *ah, const sample_axis *aw, float gx, float gy, sample_taps *t) {
    float ux = unnormalize(aw, gx), uy = unnormalize(ah, gy), fx = floorf(ux), fy = floorf(uy);
    int64_t iy[4], ix[4];
    cubic_weights(ux - fx, t->wx);
    cubic_weights(uy - fy, t->wy);
    for (int k = 0; k < 4; k++) {
        iy[k] = tap_index(ah, pad_coord(ah, fy + (float)(k - 1)));
        ix[k] = tap_index(aw, pad_coord(aw, fx + (float)(k - 1)));
    }
    for (int r = 0; r < 4; r++)
        for (int k = 0; k < 4; k++) t->off[r * 4 + k] = iy[r] >= 0 && ix[k] >= 0 ? iy[r] * aw->size + ix[k] : -1;
}

static void taps_bilinear(const sample_axis *ah, const sample_axis *aw, float gx, float gy, sample_taps *t) {
    float px = pad_coord(aw, unnormalize(aw, gx)), py = pad_coord(ah, unnormalize(ah, gy));
    float fx = floorf(px), fy = floorf(py);
    float ex = px - fx, sx = 1.0f - (px - fx);   /* weights of the east and west columns */
    float sy = py - fy, ny = 1.0f - (py - fy);   /* of the south and north rows */
    int64_t x0 = floor_index(aw, fx), y0 = floor_index(ah, fy);
    t->wx[0] = ny * sx, t->wx[1] = ny * ex, t->wx[2] = sy * sx, t->wx[3] = sy * ex;
    for (int k = 0; k < 4; k++) {
        int64_t y = y0 + k / 2, x = x0 + k % 2;
        t->off[k] = inside(ah, y) && inside(aw, x) ? y * aw->size + x : -1;
    }
}

static void taps_nearest(const sample_axis *ah, const sample_axis *aw, float gx, float gy, sample_taps *t) {
    int64_t iy = tap_index(ah, nearbyintf(pad_coord(ah, unnormalize(ah, gy))));
    int64_t ix = tap_index(aw, nearbyintf(pad_coord(aw, unnormalize(aw, gx))));
    t->off[0] = iy >= 0 && ix >= 0 ? iy * aw->size + ix : -1;
}

typedef struct sample_job {
    const float *x, *grid;
    float *y;
    int64_t c, oh, ow;
    sample_axis ah, aw;
    int32_t mode;
} sample_job;

static float at(const float *plane, int64_t off) { return off >= 0 ? plane[off] : 0.0f; }

static float bicubic_value(const float *xc, const sample_taps *t) {
    float r[4];
    for (int k = 0; k < 4; k++) {
        const int64_t *o = t->off + 4 * k;   /* row k's four columns */
        r[k] = t->wx[0] * at(xc, o[0]) + t->wx[1] * at(xc, o[1]) + t->wx[2] * at(xc, o[2]) + t->wx[3] * at(xc, o[3]);
    }
    return t->wy[0] * r[0] + t->wy[1] * r[1] + t->wy[2] * r[2] + t->wy[3] * r[3];
}

/* Output position (i, j) of image n for every channel; g: its grid entry (x, y). */
static void sample_pixel(const sample_job *jb, int64_t n, int64_t i, int64_t j, const float *g) {
    int64_t hw = jb->ah.size * jb->aw.size, plane = jb->oh * jb->ow;
    const float *xn = jb->x + n * jb->c * hw;                     /* (C, H, W) */
    float *yn = jb->y + n * jb->c * plane + i * jb->ow + j;        /* channel c at yn[c * plane] */
    sample_taps t;
    if (jb->mode == EMBER_SAMPLE_BICUBIC) {
        taps_bicubic(&jb->ah, &jb->aw, g[0], g[1], &t);
        for (int64_t c = 0; c < jb->c; c++) yn[c * plane] = bicubic_value(xn + c * hw, &t);
    } else if (jb->mode == EMBER_SAMPLE_NEAREST) {
        taps_nearest(&jb->ah, &jb->aw, g[0], g[1], &t);
        for (int64_t c = 0; c < jb->c; c++) yn[c * plane] = at(xn + c * hw, t.off[0]);
    } else {
        taps_bilinear(&jb->ah, &jb->aw, g[0], g[1], &t);
        for (int64_t c = 0; c < jb->c; c++) {
            const float *xc = xn + c * hw;
            yn[c * plane] = at(xc, t.off[0]) * t.wx[0] + at(xc, t.off[1]) * t.wx[1] + at(xc, t.off[2]) * t.wx[2] +
                            at(xc, t.off[3]) * t.wx[3];
        }
    }
}

/* Output rows [begin, end) of the N * OH. */
static void sample_rows(const void *ctx, int64_t begin, int64_t end) {
    const sample_job *jb = (const sample_job *)ctx;
    for (int64_t row = begin; row < end; row++)
        for (int64_t j = 0; j < jb->ow; j++)
            sample_pixel(jb, row / jb->oh, row % jb->oh, j, jb->grid + (row * jb->ow + j) * 2);
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *g = a->in[1], *y = a->out;
    char xs[96], gs[96], ys[96];
    if (x->dtype != EMBER_DTYPE_FLOAT32 || g->dtype != EMBER_DTYPE_FLOAT32 || y->dtype != EMBER_DTYPE_FLOAT32)
        return ember_fail(err, EMBER_ERR_VERIFY, "x, grid and output must be FLOAT32");
    if (x->rank != 4 || g->rank != 4 || g->shape[3] != 2)
        return ember_fail(err, EMBER_ERR_VERIFY, "x must be (N, C, H, W) and grid (N, OH, OW, 2), got %s and %s",
                          ember_shape_str(x, xs, sizeof xs), ember_shape_str(g, gs, sizeof gs));
    if (y->rank != 4 || g->shape[0] != x->shape[0] || y->shape[0] != x->shape[0] || y->shape[1] != x->shape[1] ||
        y->shape[2] != g->shape[1] || y->shape[3] != g->shape[2])
        return ember_fail(err, EMBER_ERR_VERIFY, "x %s and grid %s do not give output %s",
                          ember_shape_str(x, xs, sizeof xs), ember_shape_str(g, gs, sizeof gs),
                          ember_shape_str(y, ys, sizeof ys));
    const ember_grid_sample_params *p = &a->p->grid_sample;
    if (p->mode < 0 || p->mode >= EMBER_SAMPLE_COUNT || p->padding < 0 || p->padding >= EMBER_SAMPLE_PAD_COUNT)
        return ember_fail(err, EMBER_ERR_VERIFY, "mode %d or padding %d outside its enum", (int)p->mode,
                          (int)p->padding);
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    const ember_grid_sample_params *p = &a->p->grid_sample;
    sample_job jb = {(const float *)x->data, (const float *)a->in[1]->data, (float *)y->data, x->shape[1], y->shape[2],
                     y->shape[3], {0}, {0}, p->mode};
    (void)err;
    if (y->count == 0) return EMBER_OK;
    axis_init(&jb.ah, x->shape[2], p);
    axis_init(&jb.aw, x->shape[3], p);
    int64_t taps = p->mode == EMBER_SAMPLE_BICUBIC ? 16 : p->mode == EMBER_SAMPLE_NEAREST ? 1 : 4;
    int64_t per_row = jb.ow * (jb.c * taps + 32);
    ember_threads_for(a->threads, y->shape[0] * jb.oh, per_row > 0 ? 65536 / per_row : 1, sample_rows, &jb);
    return EMBER_OK;
}

const ember_op_impl ember_op_grid_sample = {"GRID_SAMPLE", check, eval, NULL};
