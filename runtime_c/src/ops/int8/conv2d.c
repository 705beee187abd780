/* CONV2D int8, NCHW (runtime_py/kernels/int8/conv2d.py is the reference):
 *   acc[n,o,i,j] = bias[o] + sum (x[n, c, ...] - x_zp) * w[o, c', kh, kw]  over o's window,
 *   padding adds nothing (it is the zero point), acc exact in int64 and saturated to int32;
 *   out = clamp(mbqm(acc, m[o], s[o]) + out_zp, act_min, act_max).
 * w: INT8 symmetric per output channel; bias: INT32 or NULL; one multiplier per output
 * channel, or one for all. */
#include "fixed.h"

extern const ember_op_impl ember_op_conv2d;

typedef struct conv_shape { int64_t n, c, h, w, o, kh, kw, oh, ow; } conv_shape;

/* A chunk of an output row at a time: each (c, kh, kw) tap adds (x - x_zp) * w over the
 * chunk's in-image columns (ember_window_taps) into int64 sums, exact; bias joins at the end.
 * The inner loop is contiguous for stride 1, with no bounds test per tap. */
#define ROW_CHUNK 256
static void conv2d_i8(const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y, const conv_shape *s,
                      const ember_conv2d_params *p, const ember_quant *q, int32_t x_zp, int32_t y_zp) {
    int64_t cg = s->c / p->groups, og = s->o / p->groups, sw = p->stride_w;
    int64_t acc[ROW_CHUNK];
    for (int64_t n = 0; n < s->n; n++)
        for (int64_t o = 0; o < s->o; o++) {
            int64_t g = o / og;
            int32_t qi = q->n == 1 ? 0 : (int32_t)o;
            int32_t m = ember_q_at(q->multiplier, qi), sh = ember_q_shift(q, qi);
            const int8_t *wo = w + o * cg * s->kh * s->kw;                 /* (C/g, KH, KW) */
            int8_t *yo = y + (n * s->o + o) * s->oh * s->ow;               /* (OH, OW) */
            for (int64_t i = 0; i < s->oh; i++)
                for (int64_t j0 = 0; j0 < s->ow; j0 += ROW_CHUNK) {
                    int64_t width = s->ow - j0 < ROW_CHUNK ? s->ow - j0 : ROW_CHUNK;
                    for (int64_t j = 0; j < width; j++) acc[j] = 0;
                    for (int64_t c = 0; c < cg; c++) {
                        const int8_t *xc = x + ((n * s->c) + g * cg + c) * s->h * s->w;   /* (H, W) */
                        for (int64_t kh = 0; kh < s->kh; kh++) {
                            int64_t r = i * p->stride_h + kh * p->dilation_h - p->pad_top;
                            if (r < 0 || r >= s->h) continue;
                            for (int64_t kw = 0; kw < s->kw; kw++) {
                                int32_t wv = wo[(c * s->kh + kh) * s->kw + kw];
                                int64_t off = kw * p->dilation_w - p->pad_left, lo, hi;   /* input column of j = 0 */
                                ember_window_taps(off, s->w, sw, s->ow, &lo, &hi);
                                if (lo < j0) lo = j0;
                                if (hi > j0 + width) hi = j0 + width;
                                const int8_t *xr = xc + r * s->w + off;
                                for (int64_t j = lo; j < hi; j++)
                                    acc[j - j0] += (int64_t)(((int32_t)xr[j * sw] - x_zp) * wv);
                            }
                        }
                    }
                    for (int64_t j = 0; j < width; j++)
                        yo[i * s->ow + j0 + j] = ember_requantize((bias ? bias[o] : 0) + acc[j], m, sh, y_zp,
                                                                  q->act_min, q->act_max);
                }
        }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    return ember_check_weighted(&ember_op_conv2d, a, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL;
    conv_shape s = {x->shape[0], x->shape[1], x->shape[2], x->shape[3], w->shape[0], w->shape[2], w->shape[3],
                    a->out->shape[2], a->out->shape[3]};
    (void)err;
    conv2d_i8((const int8_t *)x->data, (const int8_t *)w->data, b ? (const int32_t *)b->data : NULL,
              (int8_t *)a->out->data, &s, &a->p->conv2d, a->q, x->zero_point, a->out->zero_point);
    return EMBER_OK;
}

const ember_op_impl ember_op_conv2d_int8 = {"CONV2D", check, eval};
