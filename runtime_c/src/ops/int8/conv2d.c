/* CONV2D int8, NCHW (runtime_py/kernels/int8/conv2d.py is the reference):
 *   acc[n,o,i,j] = bias[o] + sum (x[n, c, ...] - x_zp) * w[o, c', kh, kw]  over o's window,
 *   padding adds nothing (it is the zero point), acc exact in int64 and saturated to int32;
 *   out = clamp(mbqm(acc, m[o], s[o]) + out_zp, act_min, act_max).
 * w: INT8 symmetric per output channel; bias: INT32 or NULL; one multiplier per output
 * channel, or one for all. */
#include "../../gemm/gemm.h"
#include "../im2col.h"
#include "fixed.h"

extern const ember_op_impl ember_op_conv2d;

typedef struct conv_shape { int64_t n, c, h, w, o, kh, kw, oh, ow; } conv_shape;

/* As an int8 GEMM per image and group (all but depthwise), as the float kernel does:
 *   acc (O/g, OH*OW) = w (O/g, C/g*KH*KW) x im2col(x - x_zp) (C/g*KH*KW, OH*OW)
 * exact in int32 (K <= EMBER_GEMM_I8_MAX_K), then bias in int64 and requantization per
 * tile: the same integers as conv2d_i8 below, so the same bits. */
typedef struct conv_i8_gemm {
    const int8_t *x;                 /* the group's first input channel: (C/g, H, W) */
    int8_t *y;                       /* the group's first output channel: (O/g, OH, OW) */
    const int32_t *bias;             /* the group's, or NULL */
    const conv_shape *s;
    const ember_conv2d_params *p;
    const ember_quant *q;
    int64_t o0;                      /* the group's first output channel (for per-channel multipliers) */
    int32_t x_zp, y_zp;
} conv_i8_gemm;

/* The panel's taps as rows of raw int8 inputs: row(k)[j] = x[c, r, col] under tap k = (c,
 * kh, kw) of output position j0 + j, x_zp over padding and past the last position (so
 * x - x_zp is 0 there), by the panel's tap plans (im2col.h): a row of 16 in-image
 * consecutive inputs is read in place, any other gathered into `row`. Two packers consume
 * the rows: pairs of x - x_zp (the 16-bit GEMM) and quads of x plus the quad offset (the
 * 4-tap dot-product GEMM, gemm.h). */
typedef struct tap_rows {
    const conv_i8_gemm *t;
    ember_panel_taps pt;
    int64_t c, ki, kj;
} tap_rows;

static void tap_rows_init(tap_rows *it, const conv_i8_gemm *t, int64_t j0, int64_t nc) {
    const conv_shape *s = t->s;
    it->t = t, it->c = it->ki = it->kj = 0;
    ember_panel_taps_init(&it->pt, j0, nc, s->ow, s->h, s->w, s->kh, s->kw, t->p);
}

/* The next tap's row: in place, or gathered into row[NR]. */
static const int8_t *tap_rows_next(tap_rows *it, int8_t *row) {
    const conv_shape *s = it->t->s;
    const int8_t *xc = it->t->x + it->c * s->h * s->w;   /* channel c's plane */
    ember_tap_plan spare;
    const ember_tap_plan *pl = ember_tap_plan_get(&it->pt, it->ki, it->kj, &spare);
    if (++it->kj == s->kw) {
        it->kj = 0;
        if (++it->ki == s->kh) it->ki = 0, it->c++;
    }
    if (pl->direct >= 0) return xc + pl->direct;
    int8_t zp = (int8_t)it->t->x_zp;
    for (int j = 0; j < EMBER_GEMM_NR; j++) row[j] = pl->src[j] >= 0 ? xc[pl->src[j]] : zp;
    return row;
}

/* Pairs: b(k, j) = row(k)[j] - x_zp, (ceil(k / 2), NR, 2), an odd K ending with 0. */
static void pack_im2col_i8(const void *ctx, int64_t k, int64_t j0, int64_t nc, int16_t *panel) {
    const conv_i8_gemm *t = (const conv_i8_gemm *)ctx;
    tap_rows it;
    int8_t rows[2][EMBER_GEMM_NR];
    int16_t x_zp = (int16_t)t->x_zp;
    tap_rows_init(&it, t, j0, nc);
    memset(rows[1], (int)(int8_t)t->x_zp, EMBER_GEMM_NR);    /* the tap past an odd K */
    for (int64_t q = 0; q < (k + 1) / 2; q++) {
        const int8_t *r0 = tap_rows_next(&it, rows[0]), *r1 = 2 * q + 1 < k ? tap_rows_next(&it, rows[1]) : rows[1];
        int16_t *dst = panel + q * 2 * EMBER_GEMM_NR;         /* (NR, 2) */
        for (int j = 0; j < EMBER_GEMM_NR; j++) dst[2 * j] = (int16_t)(r0[j] - x_zp), dst[2 * j + 1] = (int16_t)(r1[j] - x_zp);
    }
}

#if defined(EMBER_GEMM_I8_QUADS)
/* Quads: four rows at a time into (NR, 4) of row(k)[j] + offset (ember_i8_quads_of_taps);
 * taps past K are x_zp rows. */
static void pack_im2col_quads(const void *ctx, int64_t k, int64_t j0, int64_t nc, int32_t offset, uint8_t *panel) {
    const conv_i8_gemm *t = (const conv_i8_gemm *)ctx;
    tap_rows it;
    int8_t rows[4][EMBER_GEMM_NR], pad[EMBER_GEMM_NR];
    const int8_t *ptrs[4];
    tap_rows_init(&it, t, j0, nc);
    memset(pad, (int)(int8_t)t->x_zp, EMBER_GEMM_NR);
    for (int64_t q = 0; q < (k + 3) / 4; q++) {
        for (int u = 0; u < 4; u++) ptrs[u] = 4 * q + u < k ? tap_rows_next(&it, rows[u]) : pad;
        ember_i8_quads_of_taps(ptrs, offset, panel + q * 4 * EMBER_GEMM_NR);
    }
}
#endif

static void store_requantized(void *ctx, int64_t i0, int64_t rows, int64_t j0, int64_t cols, const int32_t *tile) {
    const conv_i8_gemm *t = (const conv_i8_gemm *)ctx;
    int64_t plane = t->s->oh * t->s->ow;
    for (int64_t r = 0; r < rows; r++) {
        int64_t o = i0 + r;
        int32_t qi = t->q->n == 1 ? 0 : (int32_t)(t->o0 + o);
        int32_t m = ember_q_at(t->q->multiplier, qi), sh = ember_q_shift(t->q, qi);
        ember_requantize_row(tile + r * EMBER_GEMM_NR, cols, t->bias ? t->bias[o] : 0, m, sh, t->y_zp, t->q->act_min,
                             t->q->act_max, t->y + o * plane + j0);
    }
}

static void conv2d_i8_gemm(const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y, const conv_shape *s,
                           const ember_conv2d_params *p, const ember_quant *q, int32_t x_zp, int32_t y_zp,
                           const ember_threads *th) {
    int64_t cg = s->c / p->groups, og = s->o / p->groups, plane = s->oh * s->ow, k = cg * s->kh * s->kw;
    for (int64_t n = 0; n < s->n; n++)
        for (int64_t g = 0; g < p->groups; g++) {
            conv_i8_gemm t = {x + (n * s->c + g * cg) * s->h * s->w, y + (n * s->o + g * og) * plane,
                              bias ? bias + g * og : NULL, s, p, q, g * og, x_zp, y_zp};
            ember_i8_gemm gm = {og, plane, k, w + g * og * k, k, pack_im2col_i8, &t, store_requantized, &t, 0, x_zp,
                                NULL};
#if defined(EMBER_GEMM_I8_QUADS)
            gm.pack_quads = pack_im2col_quads;
#endif
            ember_i8_gemm_run_threads(&gm, th);
        }
}

/* A chunk of an output row at a time: each (c, kh, kw) tap adds (x - x_zp) * w over the
 * chunk's in-image columns (ember_window_taps), with no bounds test per tap; the inner
 * loop is contiguous for stride 1. Output channels [o_begin, o_end) (a thread's share).
 * With at most EMBER_GEMM_I8_MAX_K taps per output the sums are exact in int32 and the
 * row is requantized by ember_requantize_row (SIMD where built); beyond that (`wide`),
 * each channel's int32 partial sum joins an int64 sum first. Either way: the integers
 * of schema/README.md. */
#define ROW_CHUNK 256
/* ac[j] += (xr[j * sw] - x_zp) * wv for j in [lo, hi); inlined with a constant stride for
 * 1 and 2 so the loop vectorises. */
static inline void i8_tap_row(int32_t *restrict ac, const int8_t *restrict xr, int64_t lo, int64_t hi, int64_t sw,
                              int32_t x_zp, int32_t wv) {
    for (int64_t j = lo; j < hi; j++) ac[j] += ((int32_t)xr[j * sw] - x_zp) * wv;
}

typedef struct conv_i8_direct {
    const int8_t *x, *w;
    const int32_t *bias;
    int8_t *y;
    const conv_shape *s;
    const ember_conv2d_params *p;
    const ember_quant *q;
    int32_t x_zp, y_zp;
} conv_i8_direct;

static void conv2d_i8(const conv_i8_direct *t, int64_t o_begin, int64_t o_end) {
    const conv_shape *s = t->s;
    const ember_conv2d_params *p = t->p;
    const ember_quant *q = t->q;
    int64_t cg = s->c / p->groups, og = s->o / p->groups, sw = p->stride_w;
    int wide = cg * s->kh * s->kw > EMBER_GEMM_I8_MAX_K;
    int flush_each_tap = s->kh * s->kw > EMBER_GEMM_I8_MAX_K;   /* only a file built to overflow int32 */
    int32_t acc[ROW_CHUNK];
    int64_t acc64[ROW_CHUNK];
    ember_tap_columns cols;
    ember_tap_columns_init(&cols, s->kw, s->w, s->ow, p);
    for (int64_t n = 0; n < s->n; n++)
        for (int64_t o = o_begin; o < o_end; o++) {
            int64_t g = o / og;
            int32_t qi = q->n == 1 ? 0 : (int32_t)o, bias = t->bias ? t->bias[o] : 0;
            int32_t m = ember_q_at(q->multiplier, qi), sh = ember_q_shift(q, qi);
            const int8_t *wo = t->w + o * cg * s->kh * s->kw;             /* (C/g, KH, KW) */
            int8_t *yo = t->y + (n * s->o + o) * s->oh * s->ow;            /* (OH, OW) */
            for (int64_t i = 0; i < s->oh; i++)
                for (int64_t j0 = 0; j0 < s->ow; j0 += ROW_CHUNK) {
                    int64_t width = s->ow - j0 < ROW_CHUNK ? s->ow - j0 : ROW_CHUNK;
                    for (int64_t j = 0; j < width; j++) acc[j] = 0;
                    for (int64_t j = 0; wide && j < width; j++) acc64[j] = 0;
                    for (int64_t c = 0; c < cg; c++) {
                        const int8_t *xc = t->x + ((n * s->c) + g * cg + c) * s->h * s->w;   /* (H, W) */
                        for (int64_t kh = 0; kh < s->kh; kh++) {
                            int64_t r = i * p->stride_h + kh * p->dilation_h - p->pad_top;
                            if (r < 0 || r >= s->h) continue;
                            for (int64_t kw = 0; kw < s->kw; kw++) {
                                int32_t wv = wo[(c * s->kh + kh) * s->kw + kw];
                                int64_t off = kw * p->dilation_w - p->pad_left, lo, hi;   /* input column of j = 0 */
                                ember_tap_columns_get(&cols, kw, &lo, &hi);
                                if (lo < j0) lo = j0;
                                if (hi > j0 + width) hi = j0 + width;
                                const int8_t *xr = xc + r * s->w + off;
                                int32_t *ac = acc - j0;
                                if (sw == 1)
                                    i8_tap_row(ac, xr, lo, hi, 1, t->x_zp, wv);
                                else if (sw == 2)
                                    i8_tap_row(ac, xr, lo, hi, 2, t->x_zp, wv);
                                else
                                    i8_tap_row(ac, xr, lo, hi, sw, t->x_zp, wv);
                                if (flush_each_tap)
                                    for (int64_t j = 0; j < width; j++) acc64[j] += acc[j], acc[j] = 0;
                            }
                        }
                        if (wide)   /* one channel's taps per int32 sum */
                            for (int64_t j = 0; j < width; j++) acc64[j] += acc[j], acc[j] = 0;
                    }
                    if (!wide)
                        ember_requantize_row(acc, width, bias, m, sh, t->y_zp, q->act_min, q->act_max,
                                             yo + i * s->ow + j0);
                    else
                        for (int64_t j = 0; j < width; j++)
                            yo[i * s->ow + j0 + j] = ember_requantize((int64_t)bias + acc64[j], m, sh, t->y_zp,
                                                                      q->act_min, q->act_max);
                }
        }
}

/* Depthwise with 3 kernel columns, dilation 1 (MobileNet's and DS-CNN's 3x3): in float.
 * Each product (x - x_zp) * w is an integer of magnitude <= 255 * 128 and a window has at
 * most 3 * EMBER_DW3_MAX_KH taps, so every partial sum is an integer below 2^24 and float
 * adds and multiply-adds are exact: the same integers as conv2d_i8, whatever the order.
 * Per channel, input rows are kept as floats x - x_zp inside a border of zeros (padding
 * is the zero point) in a ring of KH rows (row r in slot r % KH, converted once), so every
 * output column runs the edge-free vectorised row loop of the float kernel. `rows` output
 * rows are summed before one requantization pass over them (short rows would leave most
 * of a row to the scalar tail). Scratch, in 4-byte words: KH * (pad_left + W + pad_right)
 * for the ring, then rows * OW floats and as many int32 sums. */
enum { EMBER_DW3_MAX_KH = 8, EMBER_DW3_BATCH = 512 };

/* Output rows per requantization pass that fit `words` of scratch; 0 when none does. */
static int64_t dw3_rows(const conv_shape *s, const ember_conv2d_params *p, int64_t words) {
    int64_t ring = s->kh * (p->pad_left + s->w + p->pad_right), ow = s->ow > 0 ? s->ow : 1;
    int64_t rows = EMBER_DW3_BATCH / ow, fit = words > ring ? (words - ring) / (2 * ow) : 0;
    if (rows < 1) rows = 1;
    if (rows > s->oh) rows = s->oh > 0 ? s->oh : 1;
    return rows < fit ? rows : fit;
}

static void conv2d_i8_dw3(const conv_i8_direct *t, int64_t o_begin, int64_t o_end, void *scratch, int64_t rows) {
    const conv_shape *s = t->s;
    const ember_conv2d_params *p = t->p;
    const ember_quant *q = t->q;
    int64_t pw = p->pad_left + s->w + p->pad_right, plane = s->oh * s->ow, sw = p->stride_w;
    float *ring = (float *)scratch, *facc = ring + s->kh * pw;
    int32_t *iacc = (int32_t *)(void *)(facc + rows * s->ow);
    for (int64_t e = 0; e < s->kh * pw; e++) ring[e] = 0.0f;   /* borders stay 0; images overwrite the rest */
    for (int64_t n = 0; n < s->n; n++)
        for (int64_t o = o_begin; o < o_end; o++) {
            const int8_t *xc = t->x + (n * s->c + o) * s->h * s->w;   /* (H, W) */
            const int8_t *wo = t->w + o * s->kh * 3;                   /* (KH, 3) */
            int8_t *yo = t->y + (n * s->o + o) * plane;
            int32_t qi = q->n == 1 ? 0 : (int32_t)o, bias = t->bias ? t->bias[o] : 0;
            int32_t m = ember_q_at(q->multiplier, qi), sh = ember_q_shift(q, qi);
            int64_t held[EMBER_DW3_MAX_KH];                           /* the input row in each slot */
            for (int64_t k = 0; k < s->kh; k++) held[k] = -1;
            for (int64_t i0 = 0; i0 < s->oh; i0 += rows) {
                int64_t nr = s->oh - i0 < rows ? s->oh - i0 : rows;
                for (int64_t i = i0; i < i0 + nr; i++) {
                    float *yr = facc + (i - i0) * s->ow;
                    int first = 1;
                    for (int64_t kh = 0; kh < s->kh; kh++) {
                        int64_t r = i * p->stride_h + kh - p->pad_top;
                        if (r < 0 || r >= s->h) continue;           /* a padding row adds 0 */
                        float *row = ring + (r % s->kh) * pw;
                        if (held[r % s->kh] != r) {
                            const int8_t *xr = xc + r * s->w;
                            for (int64_t c = 0; c < s->w; c++) row[p->pad_left + c] = (float)((int32_t)xr[c] - t->x_zp);
                            held[r % s->kh] = r;
                        }
                        float w0 = wo[kh * 3], w1 = wo[kh * 3 + 1], w2 = wo[kh * 3 + 2];
                        if (sw == 1)
                            ember_dw3_row(yr, row, 0, s->ow, 1, 1, first, 0.0f, w0, w1, w2);
                        else if (sw == 2)
                            ember_dw3_row(yr, row, 0, s->ow, 2, 1, first, 0.0f, w0, w1, w2);
                        else
                            ember_dw3_row(yr, row, 0, s->ow, sw, 1, first, 0.0f, w0, w1, w2);
                        first = 0;
                    }
                    if (first)
                        for (int64_t j = 0; j < s->ow; j++) yr[j] = 0.0f;
                }
                for (int64_t j = 0; j < nr * s->ow; j++) iacc[j] = (int32_t)facc[j];
                ember_requantize_row(iacc, nr * s->ow, bias, m, sh, t->y_zp, q->act_min, q->act_max, yo + i0 * s->ow);
            }
        }
}

/* The direct kernels over threads: task t of `parts` takes its share of output channels. */
typedef struct conv_i8_job {
    const conv_i8_direct *d;
    const ember_threads *th;   /* scratch slice t for task t (conv2d_i8_dw3's rows) */
    int32_t parts;
    int64_t dw3_rows;          /* > 0: conv2d_i8_dw3 with this many rows per pass */
} conv_i8_job;

static void conv_i8_task(void *ctx, int32_t t) {
    const conv_i8_job *j = (const conv_i8_job *)ctx;
    int64_t o0 = j->d->s->o * t / j->parts, o1 = j->d->s->o * (t + 1) / j->parts;
    if (j->dw3_rows > 0)
        conv2d_i8_dw3(j->d, o0, o1, ember_threads_scratch(j->th, t), j->dw3_rows);
    else
        conv2d_i8(j->d, o0, o1);
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    if (a->n_in > 3 && a->in[3] != NULL)
        return ember_fail(err, EMBER_ERR_VERIFY, "int8: no fused residual (it is a float CONV2D's)");
    return ember_check_weighted(&ember_op_conv2d, a, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL;
    conv_shape s = {x->shape[0], x->shape[1], x->shape[2], x->shape[3], w->shape[0], w->shape[2], w->shape[3],
                    a->out->shape[2], a->out->shape[3]};
    int64_t k = w->shape[1] * s.kh * s.kw;
    int depthwise = a->p->conv2d.groups > 1 && w->shape[1] == 1;
    (void)err;
    if (!depthwise && k >= 1 && k <= EMBER_GEMM_I8_MAX_K && a->scratch_bytes >= EMBER_GEMM_I8_SCRATCH_BYTES(k)) {
        conv2d_i8_gemm((const int8_t *)x->data, (const int8_t *)w->data, b ? (const int32_t *)b->data : NULL,
                       (int8_t *)a->out->data, &s, &a->p->conv2d, a->q, x->zero_point, a->out->zero_point,
                       a->threads);
        return EMBER_OK;
    }
    conv_i8_direct t = {(const int8_t *)x->data, (const int8_t *)w->data, b ? (const int32_t *)b->data : NULL,
                        (int8_t *)a->out->data, &s, &a->p->conv2d, a->q, x->zero_point, a->out->zero_point};
    /* each output channel is computed the same way in any part: identical for any split */
    int64_t outputs = s.n * s.o * s.oh * s.ow, taps = k > 0 ? k : 1;
    int32_t parts = outputs < (EMBER_GEMM_MIN_SPLIT + taps - 1) / taps || a->threads == NULL ? 1 : a->threads->n;
    if (parts > s.o) parts = s.o > 0 ? (int32_t)s.o : 1;
    const ember_conv2d_params *p = &a->p->conv2d;
    int64_t dw3 = depthwise && s.c == s.o && s.kw == 3 && s.kh <= EMBER_DW3_MAX_KH && p->dilation_h == 1 &&
                  p->dilation_w == 1 && a->threads != NULL && a->threads->scratch != NULL
                      ? dw3_rows(&s, p, (int64_t)(a->threads->scratch_bytes / 4)) : 0;
    conv_i8_job job = {&t, a->threads, parts, dw3};
    ember_threads_run(a->threads, parts, conv_i8_task, &job);
    return EMBER_OK;
}

const ember_op_impl ember_op_conv2d_int8 = {"CONV2D", check, eval, NULL};
