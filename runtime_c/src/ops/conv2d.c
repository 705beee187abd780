/* CONV2D, NCHW, float32:
 *   out[n,o,i,j] = bias[o] + sum_{c in group(o), kh, kw} x[n, c, i*sh + kh*dh - pt, j*sw + kw*dw - pl] * w[o, c', kh, kw]
 * with zero padding, + residual[n,o,i,j] when given (a fused skip connection), then the
 * fused activation.
 * x: (N, C, H, W); w: (O, C/groups, KH, KW); bias: (O) or NULL; residual: out's shape or
 * NULL; out: (N, O, OH, OW). */
#include "../gemm/gemm.h"
#include "im2col.h"
#include "op.h"

typedef struct conv_shape { int64_t n, c, h, w, o, kh, kw, oh, ow; } conv_shape;

/* As a GEMM per image and group (every conv but depthwise):
 *   out (O/g, OH*OW) = w (O/g, C/g*KH*KW) x im2col(x) (C/g*KH*KW, OH*OW) + bias
 * where im2col's row (c, kh, kw) holds the input under that tap for every output
 * position (0 over padding). im2col is never stored whole: pack_im2col writes the
 * GEMM's panels (a K block x 16 output positions) from x directly. A 1x1 conv of stride
 * 1 without padding reads x itself as B. */
typedef struct im2col {
    const float *x;                  /* the group's first input channel: (C/g, H, W) */
    const conv_shape *s;
    const ember_conv2d_params *p;
} im2col;

/* Panel rows p0 .. p0 + kc (taps in (c, kh, kw) order) for output positions j0 .. j0 + nc,
 * by the panel's tap plans (im2col.h): a row of 16 in-image consecutive inputs is one
 * copy, any other row a gather with 0 for padding. */
static void pack_im2col(const void *ctx, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float *panel) {
    const im2col *t = (const im2col *)ctx;
    const conv_shape *s = t->s;
    ember_panel_taps pt;
    ember_tap_plan spare;
    ember_panel_taps_init(&pt, j0, nc, s->ow, s->h, s->w, s->kh, s->kw, t->p);
    int64_t taps = s->kh * s->kw, c = p0 / taps, ki = p0 % taps / s->kw, kj = p0 % s->kw;
    for (int64_t k = 0; k < kc; k++) {
        float *dst = panel + k * EMBER_GEMM_NR;               /* (NR) */
        const float *xc = t->x + c * s->h * s->w;             /* channel c's plane */
        const ember_tap_plan *pl = ember_tap_plan_get(&pt, ki, kj, &spare);
        if (pl->direct >= 0)
            memcpy(dst, xc + pl->direct, EMBER_GEMM_NR * sizeof(float));
        else
            for (int j = 0; j < EMBER_GEMM_NR; j++) dst[j] = pl->src[j] >= 0 ? xc[pl->src[j]] : 0.0f;
        if (++kj == s->kw) {
            kj = 0;
            if (++ki == s->kh) ki = 0, c++;
        }
    }
}

/* The end of a direct kernel's output row: + the fused residual row (NULL: none), then the
 * activation, as the GEMM epilogue does. */
static void finish_row(float *yr, const float *rr, int64_t n, int32_t activation) {
    if (rr != NULL)
        for (int64_t j = 0; j < n; j++) yr[j] = yr[j] + rr[j];
    ember_activate_row(yr, n, activation);
}

static void conv2d_f32_gemm(const float *x, const float *w, const float *bias, const float *res, float *y, const conv_shape *s,
                            const ember_conv2d_params *p, const ember_threads *th) {
    int64_t cg = s->c / p->groups, og = s->o / p->groups, plane = s->oh * s->ow, k = cg * s->kh * s->kw;
    int direct = s->kh == 1 && s->kw == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
                 p->pad_left == 0 && s->oh == s->h && s->ow == s->w;
    for (int64_t n = 0; n < s->n; n++)
        for (int64_t g = 0; g < p->groups; g++) {
            const float *xg = x + (n * s->c + g * cg) * s->h * s->w;   /* (C/g, H, W) */
            im2col t = {xg, s, p};
            ember_f32_gemm gm = {og, plane, k, w + g * og * k, k, xg, plane, 1, direct ? NULL : pack_im2col, &t,
                                 y + (n * s->o + g * og) * plane, plane, bias ? bias + g * og : NULL, 0,
                                 p->activation, NULL, res ? res + (n * s->o + g * og) * plane : NULL};
            ember_f32_gemm_run_threads(&gm, th);
        }
}

/* Depthwise with 3 kernel columns (3x3, 3x1, ...), one output row at a time: each
 * in-image kernel row is one pass over the output row adding its 3 taps,
 *   y[j] = (first pass ? bias : y[j]) + w[kh][0] * x[r][j*sw - pl] + w[kh][1] * x[..+dw] + w[kh][2] * x[..+2dw],
 * over the columns whose 3 taps are all inside the image (a loop compilers vectorise);
 * the few edge columns sum their in-image taps one by one. Every output sums its taps
 * in (kh, kw) order from the bias, as conv2d_f32 does. */
static void conv2d_f32_dw3(const float *x, const float *w, const float *bias, const float *res, float *y, const conv_shape *s,
                           const ember_conv2d_params *p, int64_t o_begin, int64_t o_end) {
    int64_t sw = p->stride_w, dw = p->dilation_w, pl = p->pad_left, plane = s->oh * s->ow, ja, jb;
    ember_inside_columns(s->w, s->ow, sw, pl, 2 * dw, &ja, &jb);     /* every tap inside: [ja, jb) */
    for (int64_t n = 0; n < s->n; n++)
        for (int64_t o = o_begin; o < o_end; o++) {
            const float *xc = x + (n * s->c + o) * s->h * s->w;      /* (H, W) */
            const float *wo = w + o * s->kh * 3;                      /* (KH, 3) */
            float b = bias ? bias[o] : 0.0f;
            for (int64_t i = 0; i < s->oh; i++) {
                float *restrict yr = y + (n * s->o + o) * plane + i * s->ow;   /* (OW) */
                int first = 1;
                for (int64_t kh = 0; kh < s->kh; kh++) {
                    int64_t r = i * p->stride_h + kh * p->dilation_h - p->pad_top;
                    if (r < 0 || r >= s->h) continue;
                    const float *restrict xr = xc + r * s->w - pl;     /* xr[j * sw + kw * dw]: tap kw of column j */
                    float w0 = wo[kh * 3], w1 = wo[kh * 3 + 1], w2 = wo[kh * 3 + 2];
                    if (sw == 1 && dw == 1)
                        ember_dw3_row(yr, xr, ja, jb, 1, 1, first, b, w0, w1, w2);
                    else if (sw == 2 && dw == 1)
                        ember_dw3_row(yr, xr, ja, jb, 2, 1, first, b, w0, w1, w2);
                    else
                        ember_dw3_row(yr, xr, ja, jb, sw, dw, first, b, w0, w1, w2);
                    first = 0;
                }
                if (first)
                    for (int64_t j = ja; j < jb; j++) yr[j] = b;
                for (int64_t j = 0; j < s->ow; j++) {
                    if (j == ja) j = jb;                               /* the interior is done */
                    if (j >= s->ow) break;
                    float acc = b;
                    for (int64_t kh = 0; kh < s->kh; kh++) {
                        int64_t r = i * p->stride_h + kh * p->dilation_h - p->pad_top;
                        if (r < 0 || r >= s->h) continue;
                        for (int64_t kw = 0; kw < 3; kw++) {
                            int64_t col = j * sw + kw * dw - pl;
                            if (col >= 0 && col < s->w) acc = acc + wo[kh * 3 + kw] * xc[r * s->w + col];
                        }
                    }
                    yr[j] = acc;
                }
                finish_row(yr, res ? res + (yr - y) : NULL, s->ow, p->activation);
            }
        }
}

/* Depthwise with 3 kernel columns on a small image (the whole zero-padded plane fits in
 * the task's scratch, `pad` floats): each channel's plane is copied inside a border of
 * zeros first, so every output column runs the edge-free row loop of conv2d_f32_dw3. A
 * padding tap adds w * 0 where conv2d_f32_dw3 skips it: the same value (a zero's sign
 * aside). Dilation 1. */
static void conv2d_f32_dw3_padded(const float *x, const float *w, const float *bias, const float *res, float *y,
                                  const conv_shape *s,
                                  const ember_conv2d_params *p, int64_t o_begin, int64_t o_end, float *pad, int flat) {
    int64_t ph = s->h + p->pad_top + p->pad_bottom, pw = s->w + p->pad_left + p->pad_right, plane = s->oh * s->ow;
    float *fy = pad + ph * pw;   /* flat: the outputs at pitch PW, (OH, PW) */
    for (int64_t t = 0; t < ph * pw; t++) pad[t] = 0.0f;
    for (int64_t n = 0; n < s->n; n++)
        for (int64_t o = o_begin; o < o_end; o++) {
            const float *xc = x + (n * s->c + o) * s->h * s->w;      /* (H, W) */
            const float *wo = w + o * s->kh * 3;                      /* (KH, 3) */
            float *yo = y + (n * s->o + o) * plane;                   /* (OH, OW) */
            float b = bias ? bias[o] : 0.0f;
            for (int64_t r = 0; r < s->h; r++)                          /* pad: (PH, PW), image at (pt, pl) */
                memcpy(pad + (r + p->pad_top) * pw + p->pad_left, xc + r * s->w, (size_t)s->w * sizeof(float));
            if (flat && s->kh > 0) {
                /* stride 1: output (i, j) at fy[i * PW + j] reads pad[(i + kh) * PW + j + kw], so each
                 * kernel row is one pass over the whole plane at once (the columns j >= OW in between
                 * are computed and dropped): long loops where rows are a few columns wide */
                int64_t count = (s->oh - 1) * pw + s->ow;
                for (int64_t kh = 0; kh < s->kh; kh++)
                    ember_dw3_row(fy, pad + kh * pw, 0, count, 1, 1, kh == 0, b, wo[kh * 3], wo[kh * 3 + 1],
                                  wo[kh * 3 + 2]);
                for (int64_t i = 0; i < s->oh; i++) {
                    memcpy(yo + i * s->ow, fy + i * pw, (size_t)s->ow * sizeof(float));
                    finish_row(yo + i * s->ow, res ? res + (yo + i * s->ow - y) : NULL, s->ow, p->activation);
                }
                continue;
            }
            for (int64_t i = 0; i < s->oh; i++) {
                float *restrict yr = yo + i * s->ow;                    /* (OW) */
                for (int64_t kh = 0; kh < s->kh; kh++) {
                    const float *pr = pad + (i * p->stride_h + kh * p->dilation_h) * pw;   /* a padded row */
                    float w0 = wo[kh * 3], w1 = wo[kh * 3 + 1], w2 = wo[kh * 3 + 2];
                    if (p->stride_w == 1)
                        ember_dw3_row(yr, pr, 0, s->ow, 1, 1, kh == 0, b, w0, w1, w2);
                    else
                        ember_dw3_row(yr, pr, 0, s->ow, p->stride_w, 1, kh == 0, b, w0, w1, w2);
                }
                if (s->kh == 0)
                    for (int64_t j = 0; j < s->ow; j++) yr[j] = b;
                finish_row(yr, res ? res + (yr - y) : NULL, s->ow, p->activation);
            }
            /* the border stays 0: the next channel overwrites only the image */
        }
}

/* Depthwise (one input channel per group), and the fallback without GEMM scratch: per
 * output row, the row starts at the bias; every (input channel, kh, kw) tap then adds
 * weight * the shifted input row over the columns whose input is inside the image
 * (padding contributes nothing); the activation runs last. The row stays in L1 through
 * its taps, and the inner loop is a contiguous multiply-add, which compilers vectorise;
 * the summation order is tap by tap (the Python runtime's numpy order differs: float
 * results agree within the documented tolerance, not bit for bit). */
static void conv2d_f32(const float *x, const float *w, const float *bias, const float *res, float *y, const conv_shape *s,
                       const ember_conv2d_params *p, int64_t o_begin, int64_t o_end) {
    int64_t cg = s->c / p->groups, og = s->o / p->groups, plane = s->oh * s->ow;
    int64_t sh = p->stride_h, sw = p->stride_w;
    for (int64_t n = 0; n < s->n; n++)
        for (int64_t o = o_begin; o < o_end; o++) {
            int64_t g = o / og;
            const float *wo = w + o * cg * s->kh * s->kw;                  /* (C/g, KH, KW) */
            float b = bias ? bias[o] : 0.0f;
            for (int64_t i = 0; i < s->oh; i++) {
                float *restrict yr = y + (n * s->o + o) * plane + i * s->ow;   /* (OW) */
                for (int64_t j = 0; j < s->ow; j++) yr[j] = b;
                for (int64_t c = 0; c < cg; c++) {
                    const float *xc = x + ((n * s->c) + g * cg + c) * s->h * s->w;   /* (H, W) */
                    for (int64_t kh = 0; kh < s->kh; kh++) {
                        int64_t r = i * sh + kh * p->dilation_h - p->pad_top;
                        if (r < 0 || r >= s->h) continue;
                        for (int64_t kw = 0; kw < s->kw; kw++) {
                            float wv = wo[(c * s->kh + kh) * s->kw + kw];
                            int64_t off = kw * p->dilation_w - p->pad_left, j0, j1;  /* input column of j = 0 */
                            ember_window_taps(off, s->w, sw, s->ow, &j0, &j1);       /* in-image columns */
                            const float *restrict xr = xc + r * s->w + off;
                            if (sw == 1)
                                ember_axpy_f32(yr + j0, wv, xr + j0, j1 - j0);
                            else
                                for (int64_t j = j0; j < j1; j++) yr[j] += wv * xr[j * sw];
                        }
                    }
                }
                finish_row(yr, res ? res + (yr - y) : NULL, s->ow, p->activation);
            }
        }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL, *y = a->out;
    const ember_conv2d_params *p = &a->p->conv2d;
    if (x->rank != 4 || w->rank != 4 || y->rank != 4)
        return ember_fail(err, EMBER_ERR_VERIFY, "input, weight and output must be rank 4");
    if (p->groups < 1 || x->shape[1] % p->groups != 0 || w->shape[0] % p->groups != 0 ||
        w->shape[1] != x->shape[1] / p->groups)
        return ember_fail(err, EMBER_ERR_VERIFY, "%lld input channels, weight (%lld, %lld, ...), groups %d inconsistent",
                          (long long)x->shape[1], (long long)w->shape[0], (long long)w->shape[1], (int)p->groups);
    if (p->stride_h < 1 || p->stride_w < 1 || p->dilation_h < 1 || p->dilation_w < 1)
        return ember_fail(err, EMBER_ERR_VERIFY, "stride and dilation must be >= 1");
    if (p->pad_top < 0 || p->pad_left < 0 || p->pad_bottom < 0 || p->pad_right < 0)
        return ember_fail(err, EMBER_ERR_VERIFY, "negative padding");
    if ((w->shape[2] > 1 && p->dilation_h > EMBER_MAX_ELEMENTS / (w->shape[2] - 1)) ||
        (w->shape[3] > 1 && p->dilation_w > EMBER_MAX_ELEMENTS / (w->shape[3] - 1)))
        return ember_fail(err, EMBER_ERR_VERIFY, "dilation (%d, %d) spreads the kernel past 2^40", (int)p->dilation_h,
                          (int)p->dilation_w);
    int64_t span_h = x->shape[2] + p->pad_top + p->pad_bottom - (int64_t)p->dilation_h * (w->shape[2] - 1) - 1;
    int64_t span_w = x->shape[3] + p->pad_left + p->pad_right - (int64_t)p->dilation_w * (w->shape[3] - 1) - 1;
    if (span_h < 0 || span_w < 0)
        return ember_fail(err, EMBER_ERR_VERIFY, "the (dilated) kernel is larger than the padded input");
    int64_t oh = span_h / p->stride_h + 1, ow = span_w / p->stride_w + 1;
    if (y->shape[0] != x->shape[0] || y->shape[1] != w->shape[0] || y->shape[2] != oh || y->shape[3] != ow || oh < 0 || ow < 0)
        return ember_fail(err, EMBER_ERR_VERIFY, "output (%lld, %lld, %lld, %lld), expected (%lld, %lld, %lld, %lld)",
                          (long long)y->shape[0], (long long)y->shape[1], (long long)y->shape[2], (long long)y->shape[3],
                          (long long)x->shape[0], (long long)w->shape[0], (long long)oh, (long long)ow);
    if (b != NULL && (b->rank != 1 || b->shape[0] != w->shape[0]))
        return ember_fail(err, EMBER_ERR_VERIFY, "bias must have shape (%lld)", (long long)w->shape[0]);
    const ember_tensor *r = a->n_in > 3 ? a->in[3] : NULL;
    if (r != NULL && (r->dtype != EMBER_DTYPE_FLOAT32 || !ember_same_shape(r, y)))
        return ember_fail(err, EMBER_ERR_VERIFY, "a residual must be FLOAT32 with the output's shape");
    return EMBER_OK;
}

/* The direct kernels split over output channels: task t of `parts` takes its share. */
typedef struct conv_job {
    const float *x, *w, *bias, *res;   /* res: the fused residual (out's shape) or NULL */
    float *y;
    const conv_shape *s;
    const ember_conv2d_params *p;
    const ember_threads *th;         /* scratch slice t for task t (the padded plane) */
    int32_t parts, dw3, padded;      /* padded: 1 rows, 2 flat (conv2d_f32_dw3_padded) */
} conv_job;

static void conv_task(void *ctx, int32_t t) {
    const conv_job *j = (const conv_job *)ctx;
    int64_t o0 = j->s->o * t / j->parts, o1 = j->s->o * (t + 1) / j->parts;
    if (j->padded)
        conv2d_f32_dw3_padded(j->x, j->w, j->bias, j->res, j->y, j->s, j->p, o0, o1,
                              (float *)ember_threads_scratch(j->th, t), j->padded == 2);
    else if (j->dw3)
        conv2d_f32_dw3(j->x, j->w, j->bias, j->res, j->y, j->s, j->p, o0, o1);
    else
        conv2d_f32(j->x, j->w, j->bias, j->res, j->y, j->s, j->p, o0, o1);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL;
    conv_shape s = {x->shape[0], x->shape[1], x->shape[2], x->shape[3], w->shape[0], w->shape[2], w->shape[3],
                    a->out->shape[2], a->out->shape[3]};
    const float *xd = (const float *)x->data, *wd = (const float *)w->data, *bd = b ? (const float *)b->data : NULL;
    const float *rd = a->n_in > 3 && a->in[3] != NULL ? (const float *)a->in[3]->data : NULL;   /* fused residual */
    (void)err;
    int depthwise = a->p->conv2d.groups > 1 && w->shape[1] == 1;
    if (!depthwise && a->scratch_bytes >= EMBER_GEMM_SCRATCH_BYTES) {
        conv2d_f32_gemm(xd, wd, bd, rd, (float *)a->out->data, &s, &a->p->conv2d, a->threads);
        return EMBER_OK;
    }
    /* each output channel is computed the same way in any part: identical for any split */
    int64_t outputs = s.n * s.o * s.oh * s.ow, taps = (s.c / a->p->conv2d.groups) * s.kh * s.kw;
    if (taps < 1) taps = 1;
    int32_t parts = outputs < (EMBER_GEMM_MIN_SPLIT + taps - 1) / taps || a->threads == NULL ? 1 : a->threads->n;
    if (parts > s.o) parts = s.o > 0 ? (int32_t)s.o : 1;
    const ember_conv2d_params *p = &a->p->conv2d;
    int dw3 = depthwise && s.c == s.o && s.kw == 3;
    /* the padded plane in floats; small images only (where edge columns are a large share) */
    int64_t padded_floats = (s.h + p->pad_top + p->pad_bottom) * (s.w + p->pad_left + p->pad_right);
    int64_t room = a->threads != NULL && a->threads->scratch != NULL ? (int64_t)(a->threads->scratch_bytes / sizeof(float)) : 0;
    int padded = dw3 && p->dilation_w == 1 && p->dilation_h == 1 && s.w <= 32 && padded_floats <= room;
    /* 2: stride 1, with room for the outputs at the padded pitch too (conv2d_f32_dw3_padded's flat passes) */
    if (padded && p->stride_h == 1 && p->stride_w == 1 &&
        padded_floats + s.oh * (s.w + p->pad_left + p->pad_right) <= room)
        padded = 2;
    conv_job job = {xd, wd, bd, rd, (float *)a->out->data, &s, p, a->threads, parts, dw3, padded};
    ember_threads_run(a->threads, parts, conv_task, &job);
    return EMBER_OK;
}

/* Scratch: the GEMM's (op.h), K = the weight's taps, prod(w.shape[1:]). */
static uint64_t scratch(const ember_operand *const *in, int32_t n_in) {
    const ember_operand *w = n_in > 1 ? in[1] : NULL;
    return ember_gemm_scratch(w, 1, w != NULL ? w->rank : 0);
}

const ember_op_impl ember_op_conv2d = {"CONV2D", check, eval, scratch};
