/* MAX_POOL2D, NCHW, float32: the maximum over each kernel_h x kernel_w window (stride,
 * dilation, padding); padding never wins (it is -inf), so a window lying wholly in the
 * padding gives -inf. A NaN in a window wins, as numpy's max.
 * x: (N, C, H, W); out: (N, C, OH, OW) with
 *   OH = floor((H + pad_top + pad_bottom - dilation_h*(kernel_h-1) - 1) / stride_h) + 1. */
#include "op.h"

typedef struct pool_job { const float *x; float *y; const ember_pool_shape *s; const ember_pool2d_params *p; } pool_job;

/* y[j] = max(y[j], x[j * sw]) for j in [ja, jb), a NaN winning (the scalar rule below);
 * inlined with constant strides 1 and 2 so the loop vectorises. */
static inline void max_row(float *restrict y, const float *restrict x, int64_t ja, int64_t jb, int64_t sw) {
    for (int64_t j = ja; j < jb; j++) {
        float v = x[j * sw];
        y[j] = (v > y[j] || v != v) ? v : y[j];
    }
}

/* Planes [begin, end) (a thread's share). A window's rows are found once per output row.
 * The output columns whose windows lie inside the image horizontally, [ja, jb), run tap
 * by tap over the whole row (each output sees its taps in the same (kh, kw) order as
 * the per-window loop, so the same result, NaN included); the others find their
 * in-image columns per window. */
static void max_pool2d_f32(const void *ctx, int64_t begin, int64_t end) {
    const pool_job *t = (const pool_job *)ctx;
    const ember_pool_shape *s = t->s;
    const ember_pool2d_params *p = t->p;
    int64_t sw = p->stride_w, dw = p->dilation_w;
    int64_t ja, jb;                            /* windows inside the image: [ja, jb) */
    ember_inside_columns(s->w, s->ow, sw, p->pad_left, dw * (p->kernel_w - 1), &ja, &jb);
    for (int64_t c = begin; c < end; c++) {
        const float *xc = t->x + c * s->h * s->w;  /* (H, W) */
        float *yc = t->y + c * s->oh * s->ow;      /* (OH, OW) */
        for (int64_t i = 0; i < s->oh; i++) {
            int64_t rb = i * p->stride_h - p->pad_top, h0, h1;
            ember_window_taps(rb, s->h, p->dilation_h, p->kernel_h, &h0, &h1);
            float *yr = yc + i * s->ow;
            for (int64_t j = ja; j < jb; j++) yr[j] = -INFINITY;
            for (int64_t kh = h0; kh < h1; kh++) {
                const float *xr = xc + (rb + kh * p->dilation_h) * s->w - p->pad_left;   /* xr[j * sw]: tap 0 */
                for (int64_t kw = 0; kw < p->kernel_w; kw++) {
                    if (sw == 1)
                        max_row(yr, xr + kw * dw, ja, jb, 1);
                    else if (sw == 2)
                        max_row(yr, xr + kw * dw, ja, jb, 2);
                    else
                        max_row(yr, xr + kw * dw, ja, jb, sw);
                }
            }
            for (int64_t j = 0; j < s->ow; j++) {
                if (j == ja) j = jb;                   /* the interior is done */
                if (j >= s->ow) break;
                float m = -INFINITY;
                int64_t qb = j * sw - p->pad_left, w0, w1;
                ember_window_taps(qb, s->w, dw, p->kernel_w, &w0, &w1);
                for (int64_t kh = h0; kh < h1; kh++) {
                    int64_t r = rb + kh * p->dilation_h;
                    for (int64_t kw = w0; kw < w1; kw++) {
                        float v = xc[r * s->w + qb + kw * dw];
                        if (v > m || v != v) m = v;
                    }
                }
                yr[j] = m;
            }
        }
    }
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    ember_pool_shape s = ember_pool_shape_of(x, y);
    (void)err;
    pool_job job = {(const float *)x->data, (float *)y->data, &s, &a->p->pool2d};
    int64_t per_plane = s.oh * s.ow * a->p->pool2d.kernel_h * a->p->pool2d.kernel_w;   /* window taps per plane */
    ember_threads_for(a->threads, s.planes, per_plane > 0 && per_plane < 65536 ? 65536 / per_plane : 1, max_pool2d_f32,
                      &job);
    return EMBER_OK;
}

const ember_op_impl ember_op_max_pool2d = {"MAX_POOL2D", ember_pool2d_check, eval, NULL};
