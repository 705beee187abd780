/* AVG_POOL2D int8, NCHW (reference: runtime_py/kernels/int8/avg_pool2d.py): each
 * window's sum of (x - x_zp) divided by the float op's count (divisor if > 0, else the
 * window area when count_include_pad, else the taps inside the input), rounded half
 * away from zero; out = clamp(mbqm(mean, m0, s0) + out_zp, -128, 127). */
#include "pool.h"

static void avg_pool2d_i8(const int8_t *x, int8_t *y, const ember_pool_shape *s, const ember_pool2d_params *p,
                          const ember_quant *q, int32_t x_zp, int32_t y_zp) {
    int64_t planes = s->planes, h = s->h, w = s->w, oh = s->oh, ow = s->ow;
    int32_t m = ember_q_at(q->multiplier, 0), sh = ember_q_shift(q, 0);
    int64_t area = (int64_t)p->kernel_h * p->kernel_w;
    for (int64_t c = 0; c < planes; c++) {
        const int8_t *xc = x + c * h * w;     /* (H, W) */
        int8_t *yc = y + c * oh * ow;         /* (OH, OW) */
        for (int64_t i = 0; i < oh; i++)
            for (int64_t j = 0; j < ow; j++) {
                int64_t sum = 0, inside = 0, h0, h1, w0, w1;
                int64_t rb = i * p->stride_h - p->pad_top, qb = j * p->stride_w - p->pad_left;
                ember_window_taps(rb, h, p->dilation_h, p->kernel_h, &h0, &h1);
                ember_window_taps(qb, w, p->dilation_w, p->kernel_w, &w0, &w1);
                for (int64_t kh = h0; kh < h1; kh++)
                    for (int64_t kw = w0; kw < w1; kw++) {
                        sum += (int32_t)xc[(rb + kh * p->dilation_h) * w + qb + kw * p->dilation_w] - x_zp;
                        inside++;
                    }
                int64_t count = p->divisor > 0 ? p->divisor : p->count_include_pad ? area : inside;
                int64_t mean = count > 0 ? ember_round_div(sum, count) : 0;
                yc[i * ow + j] = ember_requantize(mean, m, sh, y_zp, -128, 127);
            }
    }
}

EMBER_Q8_POOL_OP(avg_pool2d, "AVG_POOL2D")
