/* AVG_POOL2D, NCHW, float32: each window's sum (in double, padding is zero) divided by
 * `divisor` if > 0, else by kernel_h * kernel_w when count_include_pad, else by the number
 * of window elements inside the unpadded input (a window wholly in the padding gives
 * 0/0 = NaN, as the Python runtime).
 * x: (N, C, H, W); out: (N, C, OH, OW) with
 *   OH = floor((H + pad_top + pad_bottom - dilation_h*(kernel_h-1) - 1) / stride_h) + 1. */
#include "op.h"


static void avg_pool2d_f32(const float *x, float *y, const ember_pool_shape *s, const ember_pool2d_params *p) {
    double area = (double)p->kernel_h * (double)p->kernel_w;
    for (int64_t c = 0; c < s->planes; c++) {
        const float *xc = x + c * s->h * s->w;     /* (H, W) */
        float *yc = y + c * s->oh * s->ow;         /* (OH, OW) */
        for (int64_t i = 0; i < s->oh; i++)
            for (int64_t j = 0; j < s->ow; j++) {
                double sum = 0.0;
                int64_t inside = 0;
                int64_t rb = i * p->stride_h - p->pad_top, qb = j * p->stride_w - p->pad_left, h0, h1, w0, w1;
                ember_window_taps(rb, s->h, p->dilation_h, p->kernel_h, &h0, &h1);
                ember_window_taps(qb, s->w, p->dilation_w, p->kernel_w, &w0, &w1);
                for (int64_t kh = h0; kh < h1; kh++) {
                    int64_t r = rb + kh * p->dilation_h;
                    for (int64_t kw = w0; kw < w1; kw++) {
                        int64_t q = qb + kw * p->dilation_w;
                        sum += (double)xc[r * s->w + q];
                        inside++;
                    }
                }
                double d = p->divisor > 0 ? (double)p->divisor : p->count_include_pad ? area : (double)inside;
                yc[i * s->ow + j] = (float)(sum / d);
            }
    }
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    ember_pool_shape s = ember_pool_shape_of(x, y);
    (void)err;
    avg_pool2d_f32((const float *)x->data, (float *)y->data, &s, &a->p->pool2d);
    return EMBER_OK;
}

const ember_op_impl ember_op_avg_pool2d = {"AVG_POOL2D", ember_pool2d_check, eval, NULL};
