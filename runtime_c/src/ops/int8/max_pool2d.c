/* MAX_POOL2D int8, NCHW (reference: runtime_py/kernels/int8/max_pool2d.py): each
 * window's maximum (padding never wins; a window wholly in the padding takes -2^40),
 * centred and requantized: out = clamp(mbqm(max - x_zp, m0, s0) + out_zp, -128, 127). */
#include "fixed.h"

extern const ember_op_impl ember_op_max_pool2d;

static void max_pool2d_i8(const int8_t *x, int8_t *y, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow,
                          const ember_pool2d_params *p, const ember_quant *q, int32_t x_zp, int32_t y_zp) {
    int32_t m = ember_q_at(q->multiplier, 0), sh = ember_q_shift(q, 0);
    for (int64_t c = 0; c < planes; c++) {
        const int8_t *xc = x + c * h * w;     /* (H, W) */
        int8_t *yc = y + c * oh * ow;         /* (OH, OW) */
        for (int64_t i = 0; i < oh; i++)
            for (int64_t j = 0; j < ow; j++) {
                int64_t best = -((int64_t)1 << 40), h0, h1, w0, w1;
                int64_t rb = i * p->stride_h - p->pad_top, qb = j * p->stride_w - p->pad_left;
                ember_window_taps(rb, h, p->dilation_h, p->kernel_h, &h0, &h1);
                ember_window_taps(qb, w, p->dilation_w, p->kernel_w, &w0, &w1);
                for (int64_t kh = h0; kh < h1; kh++)
                    for (int64_t kw = w0; kw < w1; kw++) {
                        int64_t v = xc[(rb + kh * p->dilation_h) * w + qb + kw * p->dilation_w];
                        if (v > best) best = v;
                    }
                yc[i * ow + j] = ember_requantize(best - x_zp, m, sh, y_zp, -128, 127);
            }
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    if (!ember_is_q8(a->in[0]) || !ember_is_q8(a->out))
        return ember_fail(err, EMBER_ERR_VERIFY, "int8: input and output must be quantized INT8");
    ember_status s = ember_check_as_float(&ember_op_max_pool2d, a, err);
    return s != EMBER_OK ? s : ember_check_quant(a, 1, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    (void)err;
    max_pool2d_i8((const int8_t *)x->data, (int8_t *)y->data, x->shape[0] * x->shape[1], x->shape[2], x->shape[3],
                  y->shape[2], y->shape[3], &a->p->pool2d, a->q, x->zero_point, y->zero_point);
    return EMBER_OK;
}

const ember_op_impl ember_op_max_pool2d_int8 = {"MAX_POOL2D", check, eval};
