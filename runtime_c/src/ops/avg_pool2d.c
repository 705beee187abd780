/* AVG_POOL2D, NCHW, float32: each window's sum (in double, padding is zero) divided by
 * `divisor` if > 0, else by kernel_h * kernel_w when count_include_pad, else by the number
 * of window elements inside the unpadded input (a window wholly in the padding gives
 * 0/0 = NaN, as the Python runtime).
 * x: (N, C, H, W); out: (N, C, OH, OW) with
 *   OH = floor((H + pad_top + pad_bottom - dilation_h*(kernel_h-1) - 1) / stride_h) + 1. */
#include "op.h"

typedef struct pool_shape { int64_t planes, h, w, oh, ow; } pool_shape;

static void avg_pool2d_f32(const float *x, float *y, const pool_shape *s, const ember_pool2d_params *p) {
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

static int64_t floor_div(int64_t num, int64_t den) {
    return num >= 0 ? num / den : -((-num + den - 1) / den);
}

/* The output size of one spatial axis (<= 0 when the window does not fit once). */
static int64_t pooled(int64_t in, int32_t k, int32_t s, int32_t before, int32_t after, int32_t d) {
    return floor_div(in + before + after - (int64_t)d * (k - 1) - 1, s) + 1;
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    const ember_pool2d_params *p = &a->p->pool2d;
    char xs[96], ys[96];
    if (x->dtype != EMBER_DTYPE_FLOAT32 || y->dtype != EMBER_DTYPE_FLOAT32 || x->rank != 4 || y->rank != 4)
        return ember_fail(err, EMBER_ERR_VERIFY, "input and output must be rank-4 FLOAT32");
    if (p->kernel_h < 1 || p->kernel_w < 1 || p->stride_h < 1 || p->stride_w < 1 || p->dilation_h < 1 ||
        p->dilation_w < 1)
        return ember_fail(err, EMBER_ERR_VERIFY, "kernel %dx%d, stride %dx%d, dilation %dx%d: each must be >= 1",
                          (int)p->kernel_h, (int)p->kernel_w, (int)p->stride_h, (int)p->stride_w,
                          (int)p->dilation_h, (int)p->dilation_w);
    if (p->pad_top < 0 || p->pad_left < 0 || p->pad_bottom < 0 || p->pad_right < 0)
        return ember_fail(err, EMBER_ERR_VERIFY, "negative padding");
    int64_t oh = pooled(x->shape[2], p->kernel_h, p->stride_h, p->pad_top, p->pad_bottom, p->dilation_h);
    int64_t ow = pooled(x->shape[3], p->kernel_w, p->stride_w, p->pad_left, p->pad_right, p->dilation_w);
    if (y->shape[0] != x->shape[0] || y->shape[1] != x->shape[1] || y->shape[2] != oh || y->shape[3] != ow)
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s gives output [%lld, %lld, %lld, %lld], not %s",
                          ember_shape_str(x, xs, sizeof xs), (long long)x->shape[0], (long long)x->shape[1],
                          (long long)oh, (long long)ow, ember_shape_str(y, ys, sizeof ys));
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    pool_shape s = {x->shape[0] * x->shape[1], x->shape[2], x->shape[3], y->shape[2], y->shape[3]};
    (void)err;
    avg_pool2d_f32((const float *)x->data, (float *)y->data, &s, &a->p->pool2d);
    return EMBER_OK;
}

const ember_op_impl ember_op_avg_pool2d = {"AVG_POOL2D", check, eval};
