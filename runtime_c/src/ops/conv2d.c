/* CONV2D, NCHW, float32:
 *   out[n,o,i,j] = bias[o] + sum_{c in group(o), kh, kw} x[n, c, i*sh + kh*dh - pt, j*sw + kw*dw - pl] * w[o, c', kh, kw]
 * with zero padding, then the fused activation.
 * x: (N, C, H, W); w: (O, C/groups, KH, KW); bias: (O) or NULL; out: (N, O, OH, OW). */
#include "../gemm/gemm.h"
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

static void pack_im2col(const void *ctx, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float *panel) {
    const im2col *t = (const im2col *)ctx;
    const conv_shape *s = t->s;
    const ember_conv2d_params *p = t->p;
    int64_t r0[EMBER_GEMM_NR], c0[EMBER_GEMM_NR];   /* input row, column of tap (0, 0) per position */
    for (int64_t j = 0; j < nc; j++) {
        int64_t q = j0 + j;
        r0[j] = q / s->ow * p->stride_h - p->pad_top;
        c0[j] = q % s->ow * p->stride_w - p->pad_left;
    }
    int64_t taps = s->kh * s->kw, c = p0 / taps, ki = p0 % taps / s->kw, kj = p0 % s->kw;
    for (int64_t k = 0; k < kc; k++) {
        const float *xc = t->x + c * s->h * s->w;   /* (H, W) */
        int64_t dr = ki * p->dilation_h, dc = kj * p->dilation_w;
        float *dst = panel + k * EMBER_GEMM_NR;
        for (int64_t j = 0; j < nc; j++) {
            int64_t r = r0[j] + dr, col = c0[j] + dc;
            dst[j] = r >= 0 && r < s->h && col >= 0 && col < s->w ? xc[r * s->w + col] : 0.0f;
        }
        for (int64_t j = nc; j < EMBER_GEMM_NR; j++) dst[j] = 0.0f;
        if (++kj == s->kw) {
            kj = 0;
            if (++ki == s->kh) ki = 0, c++;
        }
    }
}

static void conv2d_f32_gemm(const float *x, const float *w, const float *bias, float *y, const conv_shape *s,
                            const ember_conv2d_params *p, void *scratch) {
    int64_t cg = s->c / p->groups, og = s->o / p->groups, plane = s->oh * s->ow, k = cg * s->kh * s->kw;
    int direct = s->kh == 1 && s->kw == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
                 p->pad_left == 0 && s->oh == s->h && s->ow == s->w;
    for (int64_t n = 0; n < s->n; n++)
        for (int64_t g = 0; g < p->groups; g++) {
            const float *xg = x + (n * s->c + g * cg) * s->h * s->w;   /* (C/g, H, W) */
            im2col t = {xg, s, p};
            ember_f32_gemm gm = {og, plane, k, w + g * og * k, k, xg, plane, 1, direct ? NULL : pack_im2col, &t,
                                 y + (n * s->o + g * og) * plane, plane, bias ? bias + g * og : NULL, 0,
                                 p->activation};
            ember_f32_gemm_run(&gm, NULL, scratch);
        }
}

/* Depthwise (one input channel per group), and the fallback without GEMM scratch: per
 * output row, the row starts at the bias; every (input channel, kh, kw) tap then adds
 * weight * the shifted input row over the columns whose input is inside the image
 * (padding contributes nothing); the activation runs last. The row stays in L1 through
 * its taps, and the inner loop is a contiguous multiply-add, which compilers vectorise;
 * the summation order is tap by tap (the Python runtime's numpy order differs: float
 * results agree within the documented tolerance, not bit for bit). */
static void conv2d_f32(const float *x, const float *w, const float *bias, float *y, const conv_shape *s,
                       const ember_conv2d_params *p) {
    int64_t cg = s->c / p->groups, og = s->o / p->groups, plane = s->oh * s->ow;
    int64_t sh = p->stride_h, sw = p->stride_w;
    for (int64_t n = 0; n < s->n; n++)
        for (int64_t o = 0; o < s->o; o++) {
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
                if (p->activation == EMBER_ACT_RELU || p->activation == EMBER_ACT_RELU6)
                    for (int64_t j = 0; j < s->ow; j++) yr[j] = yr[j] < 0.0f ? 0.0f : yr[j];
                if (p->activation == EMBER_ACT_RELU6)
                    for (int64_t j = 0; j < s->ow; j++) yr[j] = yr[j] > 6.0f ? 6.0f : yr[j];
            }
        }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL, *y = a->out;
    const ember_conv2d_params *p = &a->p->conv2d;
    if (x->rank != 4 || w->rank != 4 || y->rank != 4)
        return ember_fail(err, EMBER_ERR_VERIFY, "input, weight and output must be rank 4");
    if (p->groups < 1 || x->shape[1] % p->groups != 0 || w->shape[0] % p->groups != 0 ||
        w->shape[1] * p->groups != x->shape[1])
        return ember_fail(err, EMBER_ERR_VERIFY, "%lld input channels, weight (%lld, %lld, ...), groups %d inconsistent",
                          (long long)x->shape[1], (long long)w->shape[0], (long long)w->shape[1], (int)p->groups);
    if (p->stride_h < 1 || p->stride_w < 1 || p->dilation_h < 1 || p->dilation_w < 1)
        return ember_fail(err, EMBER_ERR_VERIFY, "stride and dilation must be >= 1");
    if (p->pad_top < 0 || p->pad_left < 0 || p->pad_bottom < 0 || p->pad_right < 0)
        return ember_fail(err, EMBER_ERR_VERIFY, "negative padding");
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
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL;
    conv_shape s = {x->shape[0], x->shape[1], x->shape[2], x->shape[3], w->shape[0], w->shape[2], w->shape[3],
                    a->out->shape[2], a->out->shape[3]};
    (void)err;
    int depthwise = a->p->conv2d.groups > 1 && w->shape[1] == 1;
    if (!depthwise && a->scratch_bytes >= EMBER_GEMM_SCRATCH_BYTES) {
        conv2d_f32_gemm((const float *)x->data, (const float *)w->data, b ? (const float *)b->data : NULL,
                        (float *)a->out->data, &s, &a->p->conv2d, a->scratch);
        return EMBER_OK;
    }
    conv2d_f32((const float *)x->data, (const float *)w->data, b ? (const float *)b->data : NULL,
               (float *)a->out->data, &s, &a->p->conv2d);
    return EMBER_OK;
}

const ember_op_impl ember_op_conv2d = {"CONV2D", check, eval};
