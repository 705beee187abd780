/* RESIZE_NEAREST, NCHW, float32 (torch's 'nearest', not 'nearest-exact'):
 *   out[n, c, i, j] = x[n, c, min(floor(i * scale_h), H-1), min(floor(j * scale_w), W-1)]
 * with float32 products; a scale of 0 means in/out (the size ratio). align_corners is unused.
 * x: (N, C, H, W); out: (N, C, OH, OW). */
#include "op.h"

/* The source index of output index i: floor(i * scale) clamped to [0, in - 1]. */
static int64_t nearest_source(int64_t i, float scale, int64_t in) {
    float f = floorf((float)i * scale);   /* >= 0: scale is finite and >= 0 */
    return f < (float)(in - 1) ? (int64_t)f : in - 1;
}

/* x: (planes, H, W); y: (planes, OH, OW); H, W >= 1. */
static void resize_nearest_f32(const float *x, float *y, int64_t planes, int64_t h, int64_t w, int64_t oh,
                               int64_t ow, float scale_h, float scale_w) {
    for (int64_t c = 0; c < planes; c++) {
        const float *xc = x + c * h * w;   /* (H, W) */
        float *yc = y + c * oh * ow;       /* (OH, OW) */
        for (int64_t i = 0; i < oh; i++) {
            const float *xr = xc + nearest_source(i, scale_h, h) * w;   /* (W) */
            for (int64_t j = 0; j < ow; j++) yc[i * ow + j] = xr[nearest_source(j, scale_w, w)];
        }
    }
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    int64_t h = x->shape[2], w = x->shape[3], oh = y->shape[2], ow = y->shape[3];
    (void)err;
    if (y->count == 0) return EMBER_OK;
    resize_nearest_f32((const float *)x->data, (float *)y->data, x->shape[0] * x->shape[1], h, w, oh, ow,
                       ember_resize_scale(a->p->resize.scale_h, h, oh), ember_resize_scale(a->p->resize.scale_w, w, ow));
    return EMBER_OK;
}

const ember_op_impl ember_op_resize_nearest = {"RESIZE_NEAREST", ember_resize_check, eval, NULL};
