/* MAX_POOL2D int8, NCHW (reference: runtime_py/kernels/int8/max_pool2d.py): each
 * window's maximum (padding never wins; a window wholly in the padding takes -2^40),
 * centred and requantized: out = clamp(mbqm(max - x_zp, m0, s0) + out_zp, -128, 127). */
#include "pool.h"

/* mx[j] = max(mx[j], x[j * sw]) for j < n; inlined with constant strides 1 and 2 so the
 * loop vectorises. */
static inline void max_row_i8(int8_t *restrict mx, const int8_t *restrict x, int64_t n, int64_t sw) {
    for (int64_t j = 0; j < n; j++) mx[j] = x[j * sw] > mx[j] ? x[j * sw] : mx[j];
}

#define POOL_CHUNK 256

/* Output columns whose windows lie inside the image horizontally ([ja, jb)) and have a
 * row inside (h0 < h1) take their maximum tap by tap over chunks of the row, starting
 * from -128 (no int8 is below it, and each window has a tap), then one requantization
 * pass per chunk; the others go window by window. The same integers either way. */
static void max_pool2d_i8(const int8_t *x, int8_t *y, const ember_pool_shape *s, const ember_pool2d_params *p,
                          const ember_quant *q, int32_t x_zp, int32_t y_zp) {
    int64_t planes = s->planes, h = s->h, w = s->w, oh = s->oh, ow = s->ow;
    int32_t m = ember_q_at(q->multiplier, 0), sh = ember_q_shift(q, 0);
    int64_t sw = p->stride_w, dw = p->dilation_w, ja, jb;   /* windows inside the image: [ja, jb) */
    ember_inside_columns(w, ow, sw, p->pad_left, dw * (p->kernel_w - 1), &ja, &jb);
    int8_t mx[POOL_CHUNK];
    int32_t acc[POOL_CHUNK];
    for (int64_t c = 0; c < planes; c++) {
        const int8_t *xc = x + c * h * w;     /* (H, W) */
        int8_t *yc = y + c * oh * ow;         /* (OH, OW) */
        for (int64_t i = 0; i < oh; i++) {
            int64_t rb = i * p->stride_h - p->pad_top, h0, h1;
            ember_window_taps(rb, h, p->dilation_h, p->kernel_h, &h0, &h1);
            int64_t ia = h0 < h1 ? ja : 0, ib = h0 < h1 ? jb : 0;   /* the row's tap-by-tap columns */
            for (int64_t j0 = ia; j0 < ib; j0 += POOL_CHUNK) {
                int64_t n = ib - j0 < POOL_CHUNK ? ib - j0 : POOL_CHUNK;
                for (int64_t j = 0; j < n; j++) mx[j] = -128;
                for (int64_t kh = h0; kh < h1; kh++) {
                    const int8_t *xr = xc + (rb + kh * p->dilation_h) * w - p->pad_left + j0 * sw;
                    for (int64_t kw = 0; kw < p->kernel_w; kw++) {
                        if (sw == 1)
                            max_row_i8(mx, xr + kw * dw, n, 1);
                        else if (sw == 2)
                            max_row_i8(mx, xr + kw * dw, n, 2);
                        else
                            max_row_i8(mx, xr + kw * dw, n, sw);
                    }
                }
                for (int64_t j = 0; j < n; j++) acc[j] = (int32_t)mx[j] - x_zp;
                ember_requantize_row(acc, n, 0, m, sh, y_zp, -128, 127, yc + i * ow + j0);
            }
            for (int64_t j = 0; j < ow; j++) {
                if (j == ia) j = ib;                   /* done above */
                if (j >= ow) break;
                int64_t best = -((int64_t)1 << 40), w0, w1, qb = j * sw - p->pad_left;
                ember_window_taps(qb, w, dw, p->kernel_w, &w0, &w1);
                for (int64_t kh = h0; kh < h1; kh++)
                    for (int64_t kw = w0; kw < w1; kw++) {
                        int64_t v = xc[(rb + kh * p->dilation_h) * w + qb + kw * dw];
                        if (v > best) best = v;
                    }
                yc[i * ow + j] = ember_requantize(best - x_zp, m, sh, y_zp, -128, 127);
            }
        }
    }
}

EMBER_Q8_POOL_OP(max_pool2d, "MAX_POOL2D")
