/* CONV_TRANSPOSE2D int8, NCHW (runtime_py/kernels/int8/conv_transpose2d.py is the reference):
 *   acc[n,o,oy,ox] = bias[o] + sum (x[n,c,iy,ix] - x_zp) * w[c,o',kh,kw]
 * over c in o's group (o' = o mod O/g), kh, kw and the input positions with
 * oy = iy*sh - pt + kh*dh, ox = ix*sw - pl + kw*dw; acc exact in int64 and saturated to
 * int32; out = clamp(mbqm(acc, m[o], s[o]) + out_zp, act_min, act_max).
 * x: (N, C, H, W); w: (C, O/g, KH, KW) INT8 symmetric, per tensor or per axis 1; bias: INT32
 * (O) or NULL; out: (N, O, OH, OW), OH and OW the output's (output padding is implied); one
 * multiplier per output channel, or one for all.
 *
 * A gather per output row, no scratch: a chunk of the row's accumulators at a time, each
 * (c, kh, kw) tap whose input row iy = (oy + pt - kh*dh) / sh is whole and inside adds
 * (x - x_zp) * w at the columns ix*sw - pl + kw*dw of the chunk. Every output element is
 * computed the same way in any split over threads. */
#include "fixed.h"

extern const ember_op_impl ember_op_conv_transpose2d;

#define ROW_CHUNK 256

typedef struct tconv_shape { int64_t n, c, h, w, o, kh, kw, oh, ow, groups; } tconv_shape;

typedef struct tconv_i8 {
    const int8_t *x, *w;
    const int32_t *bias;
    int8_t *y;
    const tconv_shape *s;
    const ember_conv2d_params *p;
    const ember_quant *q;
    int32_t x_zp, y_zp;
} tconv_i8;

/* The input positions [*lo, *hi) whose target i * stride + off lies in [0, n_out). */
static void tconv_inside(int64_t n_in, int64_t n_out, int64_t stride, int64_t off, int64_t *lo, int64_t *hi) {
    *lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
    *hi = n_out - 1 - off < 0 ? 0 : (n_out - 1 - off) / stride + 1;
    if (*lo > n_in) *lo = n_in;
    if (*hi > n_in) *hi = n_in;
    if (*hi < *lo) *hi = *lo;
}

/* ac[k * sw] += (xr[k] - x_zp) * wv for k < count; inlined with a constant stride for 1
 * and 2. */
static inline void i8_tap_scatter(int32_t *restrict ac, const int8_t *restrict xr, int64_t count, int64_t sw,
                                  int32_t x_zp, int32_t wv) {
    for (int64_t k = 0; k < count; k++) ac[k * sw] += ((int32_t)xr[k] - x_zp) * wv;
}

/* Output planes [begin, end) of the N * O. With at most EMBER_GEMM_I8_MAX_K taps per output
 * (C/g * KH * KW) the int32 sums are exact and a row is requantized by ember_requantize_row;
 * beyond that (`wide`) each channel's int32 partial sum (each tap's, where KH * KW alone
 * passes the bound) joins an int64 sum first. Either way: the integers of schema/README.md. */
static void tconv_i8_planes(const void *ctx, int64_t begin, int64_t end) {
    const tconv_i8 *t = (const tconv_i8 *)ctx;
    const tconv_shape *s = t->s;
    const ember_conv2d_params *p = t->p;
    const ember_quant *q = t->q;
    int64_t cg = s->c / s->groups, og = s->o / s->groups, sh = p->stride_h, sw = p->stride_w;
    /* with an output, C/g * KH * KW is at most the weight's size (or 0): no overflow */
    int wide = cg * s->kh * s->kw > EMBER_GEMM_I8_MAX_K;
    int flush_each_tap = wide && s->kh * s->kw > EMBER_GEMM_I8_MAX_K;   /* only a file built to overflow int32 */
    int32_t acc[ROW_CHUNK];
    int64_t acc64[ROW_CHUNK];
    for (int64_t item = begin; item < end; item++) {
        int64_t n = item / s->o, o = item % s->o, g = o / og;
        int32_t qi = q->n == 1 ? 0 : (int32_t)o, bias = t->bias ? t->bias[o] : 0;
        int32_t m = ember_q_at(q->multiplier, qi), shift = ember_q_shift(q, qi);
        int8_t *yo = t->y + item * s->oh * s->ow;                                        /* (OH, OW) */
        for (int64_t oy = 0; oy < s->oh; oy++)
            for (int64_t j0 = 0; j0 < s->ow; j0 += ROW_CHUNK) {
                int64_t width = s->ow - j0 < ROW_CHUNK ? s->ow - j0 : ROW_CHUNK;
                for (int64_t j = 0; j < width; j++) acc[j] = 0;
                for (int64_t j = 0; wide && j < width; j++) acc64[j] = 0;
                for (int64_t c = 0; c < cg; c++) {
                    const int8_t *xc = t->x + (n * s->c + g * cg + c) * s->h * s->w;           /* (H, W) */
                    const int8_t *wc = t->w + ((g * cg + c) * og + o % og) * s->kh * s->kw;  /* (KH, KW) */
                    for (int64_t kh = 0; kh < s->kh; kh++) {
                        int64_t r = oy + p->pad_top - kh * p->dilation_h;   /* iy * sh */
                        if (r < 0 || r % sh != 0 || r / sh >= s->h) continue;
                        const int8_t *xr = xc + (r / sh) * s->w;
                        for (int64_t kw = 0; kw < s->kw; kw++) {
                            /* column ix lands on ix * sw + off; the chunk holds [j0, j0 + width) */
                            int64_t off = kw * p->dilation_w - p->pad_left - j0, lo, hi;
                            tconv_inside(s->w, width, sw, off, &lo, &hi);
                            int32_t wv = wc[kh * s->kw + kw];
                            if (lo < hi) {
                                int32_t *ac = acc + lo * sw + off;   /* column lo's target in the chunk */
                                if (sw == 1)
                                    i8_tap_scatter(ac, xr + lo, hi - lo, 1, t->x_zp, wv);
                                else if (sw == 2)
                                    i8_tap_scatter(ac, xr + lo, hi - lo, 2, t->x_zp, wv);
                                else
                                    i8_tap_scatter(ac, xr + lo, hi - lo, sw, t->x_zp, wv);
                            }
                            if (flush_each_tap)
                                for (int64_t j = 0; j < width; j++) acc64[j] += acc[j], acc[j] = 0;
                        }
                    }
                    if (wide)   /* one channel's taps per int32 sum */
                        for (int64_t j = 0; j < width; j++) acc64[j] += acc[j], acc[j] = 0;
                }
                if (!wide)
                    ember_requantize_row(acc, width, bias, m, shift, t->y_zp, q->act_min, q->act_max,
                                         yo + oy * s->ow + j0);
                else
                    for (int64_t j = 0; j < width; j++)
                        yo[oy * s->ow + j0 + j] = ember_requantize((int64_t)bias + acc64[j], m, shift, t->y_zp,
                                                                   q->act_min, q->act_max);
            }
    }
}

/* Quantized INT8 input and output, an INT8 weight symmetric per tensor or along axis 1, an
 * INT32 bias; the float op's shape and option checks (on the operands seen as FLOAT32);
 * 1 or O multipliers. */
static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL;
    if (!ember_is_q8(x) || !ember_is_q8(a->out) || w == NULL || w->dtype != EMBER_DTYPE_INT8 ||
        (b != NULL && b->dtype != EMBER_DTYPE_INT32))
        return ember_fail(err, EMBER_ERR_VERIFY, "int8: needs quantized INT8 input and output, INT8 weight, "
                          "INT32 bias");
    if (w->n_scales == 0 || w->asymmetric || (w->quant_axis != -1 && w->quant_axis != 1))
        return ember_fail(err, EMBER_ERR_VERIFY, "int8: the weight must be quantized symmetrically, per tensor "
                          "or along axis 1 (its O/groups channels)");
    ember_tensor xf = *x, wf = *w, bf, yf = *a->out;
    ember_op_args shadow = *a;
    xf.dtype = wf.dtype = yf.dtype = EMBER_DTYPE_FLOAT32;
    shadow.in[0] = &xf, shadow.in[1] = &wf, shadow.out = &yf;
    if (b != NULL) bf = *b, bf.dtype = EMBER_DTYPE_FLOAT32, shadow.in[2] = &bf;
    ember_status st = ember_op_conv_transpose2d.check(&shadow, err);
    if (st != EMBER_OK) return st;
    int64_t o = a->out->shape[1];
    if (!a->q->present || (a->q->n != 1 && a->q->n != o))
        return ember_fail(err, EMBER_ERR_VERIFY, "int8: needs 1 or %lld multipliers, has %ld", (long long)o,
                          (long)(a->q->present ? a->q->n : 0));
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL, *y = a->out;
    tconv_shape s = {x->shape[0], x->shape[1], x->shape[2], x->shape[3], y->shape[1], w->shape[2], w->shape[3],
                     y->shape[2], y->shape[3], a->p->conv2d.groups};
    tconv_i8 t = {(const int8_t *)x->data, (const int8_t *)w->data, b ? (const int32_t *)b->data : NULL,
                  (int8_t *)y->data, &s, &a->p->conv2d, a->q, x->zero_point, y->zero_point};
    (void)err;
    if (y->count == 0) return EMBER_OK;   /* then N * O * OH * OW <= 2^40 and no product below overflows */
    int64_t taps = (s.c / s.groups) * s.kh * s.kw, plane = s.oh * s.ow;
    int64_t per = taps > 0 && plane > INT64_MAX / taps ? INT64_MAX : taps * plane;   /* the work of one plane */
    ember_threads_for(a->threads, s.n * s.o, per > 0 ? EMBER_GEMM_MIN_SPLIT / per : 1, tconv_i8_planes, &t);
    return EMBER_OK;
}

const ember_op_impl ember_op_conv_transpose2d_int8 = {"CONV_TRANSPOSE2D_INT8", check, eval, NULL};
