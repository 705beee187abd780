/* RESIZE_BILINEAR, NCHW, float32. The source coordinate of output index d on an axis of
 * sizes in -> out is d * (in-1)/(out-1) with align_corners (0 when out == 1), else
 * max((d + 0.5) * scale - 0.5, 0) with scale the option, or in/out when it is 0;
 * i0 = min(floor(src), in-1), i1 = min(i0+1, in-1), frac = src - i0. Then, in float32 and
 * in the Python runtime's order (columns first):
 *   top = x[i0h, i0w]*(1-fw) + x[i0h, i1w]*fw; bottom likewise on row i1h;
 *   out = top*(1-fh) + bottom*fh.
 * Bit-for-bit with the Python runtime unless the compiler fuses multiply-adds (gcc -std=c99
 * does not; clang may on FMA targets, a difference of an ulp).
 * x: (N, C, H, W); out: (N, C, OH, OW). */
#include "op.h"

typedef struct bilinear_axis { float scale; int64_t in, out; int align_corners; } bilinear_axis;

/* Source indices and weight of output index d on one axis. */
static void bilinear_source(const bilinear_axis *ax, int64_t d, int64_t *i0, int64_t *i1, float *frac) {
    float src;
    if (ax->align_corners) {
        float ratio = ax->out > 1 ? (float)((double)(ax->in - 1) / (double)(ax->out - 1)) : 0.0f;
        src = (float)d * ratio;
    } else {
        src = ((float)d + 0.5f) * ax->scale - 0.5f;
        src = src > 0.0f ? src : 0.0f;
    }
    float fl = floorf(src);   /* >= 0 and not NaN: scales are finite and >= 0 */
    *i0 = fl < (float)(ax->in - 1) ? (int64_t)fl : ax->in - 1;
    *i1 = *i0 + 1 < ax->in ? *i0 + 1 : ax->in - 1;
    *frac = (float)((double)src - (double)*i0);
}

/* x: (planes, H, W); y: (planes, OH, OW); H, W >= 1. */
static void resize_bilinear_f32(const float *x, float *y, int64_t planes, const bilinear_axis *ah,
                                const bilinear_axis *aw) {
    int64_t h = ah->in, w = aw->in, oh = ah->out, ow = aw->out;
    for (int64_t c = 0; c < planes; c++) {
        const float *xc = x + c * h * w;   /* (H, W) */
        float *yc = y + c * oh * ow;       /* (OH, OW) */
        for (int64_t i = 0; i < oh; i++) {
            int64_t h0, h1, w0, w1;
            float fh, fw;
            bilinear_source(ah, i, &h0, &h1, &fh);
            const float *r0 = xc + h0 * w, *r1 = xc + h1 * w;   /* (W) each */
            for (int64_t j = 0; j < ow; j++) {
                bilinear_source(aw, j, &w0, &w1, &fw);
                float top = r0[w0] * (1.0f - fw) + r0[w1] * fw;
                float bottom = r1[w0] * (1.0f - fw) + r1[w1] * fw;
                yc[i * ow + j] = top * (1.0f - fh) + bottom * fh;
            }
        }
    }
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    const ember_resize_params *p = &a->p->resize;
    bilinear_axis ah = {ember_resize_scale(p->scale_h, x->shape[2], y->shape[2]), x->shape[2], y->shape[2], p->align_corners};
    bilinear_axis aw = {ember_resize_scale(p->scale_w, x->shape[3], y->shape[3]), x->shape[3], y->shape[3], p->align_corners};
    (void)err;
    if (y->count == 0) return EMBER_OK;
    resize_bilinear_f32((const float *)x->data, (float *)y->data, x->shape[0] * x->shape[1], &ah, &aw);
    return EMBER_OK;
}

const ember_op_impl ember_op_resize_bilinear = {"RESIZE_BILINEAR", ember_resize_check, eval, NULL};
