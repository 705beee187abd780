/* CONV_TRANSPOSE2D, NCHW, float32: every input pixel scatters its kernel,
 *   out[n, o, i*sh - pt + kh*dh, j*sw - pl + kw*dw] += x[n, c, i, j] * w[c, o', kh, kw]
 * for c in o's group (o' = o mod O/g), positions outside the output dropped; then + bias[o],
 * then the fused activation. OH and OW are the output's (output padding is implied);
 * pad_bottom and pad_right are not used.
 * x: (N, C, H, W); w: (C, O/g, KH, KW) (torch's layout); bias: (O) or NULL; out: (N, O, OH, OW).
 *
 * As a GEMM per image, group and chunk of P input pixels, then a scatter-add (col2im):
 *   cols (P, O/g*KH*KW) = x_g^T (P, C/g) x w_g (C/g, O/g*KH*KW)
 *   out[n, g*O/g + o', i*sh - pt + kh*dh, j*sw - pl + kw*dw] += cols[p, (o', kh, kw)], p = (i, j)
 * x_g^T is copied into the scratch first (the GEMM reads A by rows); w_g is read in place.
 * Scratch (slice 0): the GEMM's panel, then x_g^T (P, C/g), then cols (P, O/g*KH*KW). Without
 * room for that (a scratch planned smaller, a huge channel count) the direct scatter runs:
 * per output channel, each (c, kh, kw) tap adds w * an input row to an output row, a
 * contiguous loop over the input, and depthwise layers (C/g = 1) run it too. The two sum
 * in different orders: float results agree within the documented tolerance, not bit for
 * bit. (64 -> 32 channels, 4x4, stride 2 on 32x32, one x86 AVX2 core: about 1.3 ms by the
 * GEMM, 20 ms by the direct scatter, whose stride-2 stores do not vectorise.) */
#include "../gemm/gemm.h"
#include "op.h"

#define TCONV_CHUNK_BYTES (128 * 1024)   /* x_g^T and cols of one chunk, about */
#define TCONV_MAX_ROW (1 << 20)          /* floats of x_g^T and cols per pixel with the GEMM path */

typedef struct tconv_shape { int64_t n, c, h, w, o, kh, kw, oh, ow, groups; } tconv_shape;

/* The input positions [*lo, *hi) whose target i * stride + off lies in [0, n_out). */
static void tconv_inside(int64_t n_in, int64_t n_out, int64_t stride, int64_t off, int64_t *lo, int64_t *hi) {
    *lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
    *hi = n_out - 1 - off < 0 ? 0 : (n_out - 1 - off) / stride + 1;
    if (*lo > n_in) *lo = n_in;
    if (*hi > n_in) *hi = n_in;
    if (*hi < *lo) *hi = *lo;
}

/* What the range functions (tconv_direct, tconv_col2im) read. */
typedef struct tconv_job {
    const float *x, *w, *cols;
    float *y;
    const tconv_shape *s;
    const ember_conv2d_params *p;
    int64_t n, g, p0, np;   /* the GEMM path's image, group and chunk of pixels [p0, p0 + np) */
} tconv_job;

/* The direct scatter of output planes [begin, end) of the N * O (already holding the bias). */
static void tconv_direct(const void *ctx, int64_t begin, int64_t end) {
    const tconv_job *jb = (const tconv_job *)ctx;
    const tconv_shape *s = jb->s;
    const ember_conv2d_params *p = jb->p;
    int64_t cg = s->c / s->groups, og = s->o / s->groups, sw = p->stride_w;
    for (int64_t item = begin; item < end; item++) {
        int64_t n = item / s->o, o = item % s->o, g = o / og;
        float *yo = jb->y + item * s->oh * s->ow;                                  /* (OH, OW) */
        for (int64_t c = 0; c < cg; c++) {
            const float *xc = jb->x + (n * s->c + g * cg + c) * s->h * s->w;     /* (H, W) */
            const float *wc = jb->w + ((g * cg + c) * og + o % og) * s->kh * s->kw; /* (KH, KW) */
            for (int64_t kh = 0; kh < s->kh; kh++) {
                int64_t offh = kh * p->dilation_h - p->pad_top, i0, i1;
                tconv_inside(s->h, s->oh, p->stride_h, offh, &i0, &i1);
                for (int64_t kw = 0; kw < s->kw; kw++) {
                    int64_t offw = kw * p->dilation_w - p->pad_left, j0, j1;
                    tconv_inside(s->w, s->ow, sw, offw, &j0, &j1);
                    float wv = wc[kh * s->kw + kw];
                    for (int64_t i = i0; i < i1 && j0 < j1; i++) {
                        float *yr = yo + (i * p->stride_h + offh) * s->ow + offw;  /* yr[j * sw]: column j's target */
                        const float *xr = xc + i * s->w;
                        if (sw == 1)
                            ember_axpy_f32(yr + j0, wv, xr + j0, j1 - j0);
                        else
                            for (int64_t j = j0; j < j1; j++) yr[j * sw] += wv * xr[j];
                    }
                }
            }
        }
    }
}

/* col2im of one chunk for the group's output channels o' in [begin, end):
 * cols (np, O/g*KH*KW) added at each pixel's targets. */
static void tconv_col2im(const void *ctx, int64_t begin, int64_t end) {
    const tconv_job *jb = (const tconv_job *)ctx;
    const tconv_shape *s = jb->s;
    const ember_conv2d_params *p = jb->p;
    int64_t og = s->o / s->groups, m = og * s->kh * s->kw;
    for (int64_t oc = begin; oc < end; oc++) {
        float *yo = jb->y + (jb->n * s->o + jb->g * og + oc) * s->oh * s->ow;   /* (OH, OW) */
        for (int64_t q = 0; q < jb->np; q++) {
            int64_t i = (jb->p0 + q) / s->w, j = (jb->p0 + q) % s->w;
            const float *cr = jb->cols + q * m + oc * s->kh * s->kw;           /* (KH, KW) */
            for (int64_t kh = 0; kh < s->kh; kh++) {
                int64_t r = i * p->stride_h + kh * p->dilation_h - p->pad_top;
                if (r < 0 || r >= s->oh) continue;
                int64_t col = j * p->stride_w - p->pad_left;
                for (int64_t kw = 0; kw < s->kw; kw++, col += p->dilation_w)
                    if (col >= 0 && col < s->ow) yo[r * s->ow + col] += cr[kh * s->kw + kw];
            }
        }
    }
}

/* Pixels per chunk of the GEMM path: about TCONV_CHUNK_BYTES of x_g^T and cols, at least
 * MR, at most hw; 0 when a pixel's row is too long for it. */
static int64_t tconv_chunk(int64_t hw, int64_t cg, int64_t m) {
    if (cg + m > TCONV_MAX_ROW || hw < 1) return 0;
    int64_t pixels = TCONV_CHUNK_BYTES / (4 * (cg + m) + 1);
    if (pixels < EMBER_GEMM_MR) pixels = EMBER_GEMM_MR;
    return pixels < hw ? pixels : hw;
}

/* Scratch bytes of a chunk of `pixels`: the panel, x_g^T (rounded to 16 floats), cols. */
static uint64_t tconv_chunk_bytes(int64_t pixels, int64_t cg, int64_t m) {
    return EMBER_GEMM_SCRATCH_BYTES + (uint64_t)((pixels * cg + 15) / 16 * 16 + pixels * m) * sizeof(float);
}

static void tconv_gemm(tconv_job *jb, int64_t chunk, float *scratch, const ember_threads *th) {
    const tconv_shape *s = jb->s;
    int64_t cg = s->c / s->groups, og = s->o / s->groups, m = og * s->kh * s->kw, hw = s->h * s->w;
    float *xt = scratch + EMBER_GEMM_SCRATCH_BYTES / sizeof(float);   /* (chunk, C/g) */
    float *cols = xt + (chunk * cg + 15) / 16 * 16;                    /* (chunk, O/g*KH*KW) */
    jb->cols = cols;
    for (jb->n = 0; jb->n < s->n; jb->n++)
        for (jb->g = 0; jb->g < s->groups; jb->g++) {
            const float *xg = jb->x + (jb->n * s->c + jb->g * cg) * hw;    /* (C/g, H*W) */
            for (jb->p0 = 0; jb->p0 < hw; jb->p0 += chunk) {
                jb->np = hw - jb->p0 < chunk ? hw - jb->p0 : chunk;
                for (int64_t c = 0; c < cg; c++)
                    for (int64_t q = 0; q < jb->np; q++) xt[q * cg + c] = xg[c * hw + jb->p0 + q];
                ember_f32_gemm gm = {jb->np, m, cg, xt, cg, jb->w + jb->g * cg * m, m, 1, NULL, NULL, cols, m,
                                     NULL, 0, EMBER_ACT_NONE, NULL, NULL};
                if (th != NULL)
                    ember_f32_gemm_run_threads(&gm, th);
                else
                    ember_f32_gemm_run(&gm, NULL, scratch);
                int64_t per = jb->np * s->kh * s->kw;
                ember_threads_for(th, og, per > 0 ? EMBER_GEMM_MIN_SPLIT / per : 1, tconv_col2im, jb);
            }
        }
}

static ember_status check_sizes(const ember_tensor *x, const ember_tensor *w, const ember_conv2d_params *p,
                                ember_error *err) {
    if (p->stride_h < 1 || p->stride_w < 1 || p->dilation_h < 1 || p->dilation_w < 1)
        return ember_fail(err, EMBER_ERR_VERIFY, "stride and dilation must be >= 1");
    if (p->pad_top < 0 || p->pad_left < 0 || p->pad_bottom < 0 || p->pad_right < 0)
        return ember_fail(err, EMBER_ERR_VERIFY, "negative padding");
    for (int d = 0; d < 2; d++) {
        int64_t size = x->shape[2 + d] > 1 ? x->shape[2 + d] - 1 : 0, k = w->shape[2 + d] > 1 ? w->shape[2 + d] - 1 : 0;
        int64_t s = d ? p->stride_w : p->stride_h, dil = d ? p->dilation_w : p->dilation_h;
        if ((size > 0 && s > EMBER_MAX_ELEMENTS / size) || (k > 0 && dil > EMBER_MAX_ELEMENTS / k) ||
            size * s + k * dil > EMBER_MAX_ELEMENTS)
            return ember_fail(err, EMBER_ERR_VERIFY,
                              "%lld positions at stride %lld with %lld taps at dilation %lld span past 2^40",
                              (long long)x->shape[2 + d], (long long)s, (long long)w->shape[2 + d], (long long)dil);
    }
    return EMBER_OK;
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL, *y = a->out;
    const ember_conv2d_params *p = &a->p->conv2d;
    char xs[96], ws[96], ys[96];
    if (x->dtype != EMBER_DTYPE_FLOAT32 || w->dtype != EMBER_DTYPE_FLOAT32 || y->dtype != EMBER_DTYPE_FLOAT32 ||
        (b != NULL && b->dtype != EMBER_DTYPE_FLOAT32))
        return ember_fail(err, EMBER_ERR_VERIFY, "input, weight, bias and output must be FLOAT32");
    if (x->rank != 4 || w->rank != 4 || y->rank != 4)
        return ember_fail(err, EMBER_ERR_VERIFY, "input, weight and output must be rank 4");
    if (p->groups < 1 || x->shape[1] % p->groups != 0 || w->shape[0] != x->shape[1])
        return ember_fail(err, EMBER_ERR_VERIFY, "%lld input channels, weight %s, groups %d inconsistent",
                          (long long)x->shape[1], ember_shape_str(w, ws, sizeof ws), (int)p->groups);
    if (y->shape[0] != x->shape[0] || w->shape[1] > EMBER_MAX_ELEMENTS / p->groups ||
        y->shape[1] != w->shape[1] * p->groups)
        return ember_fail(err, EMBER_ERR_VERIFY, "output %s must have the images of input %s and weight %s x groups %d channels",
                          ember_shape_str(y, ys, sizeof ys), ember_shape_str(x, xs, sizeof xs),
                          ember_shape_str(w, ws, sizeof ws), (int)p->groups);
    if (b != NULL && (b->rank != 1 || b->shape[0] != y->shape[1]))
        return ember_fail(err, EMBER_ERR_VERIFY, "bias must have shape (%lld)", (long long)y->shape[1]);
    if (p->activation < 0 || p->activation > EMBER_ACT_RELU6)
        return ember_fail(err, EMBER_ERR_VERIFY, "activation %d not in the Activation enum", (int)p->activation);
    return check_sizes(x, w, p, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL, *y = a->out;
    const ember_conv2d_params *p = &a->p->conv2d;
    tconv_shape s = {x->shape[0], x->shape[1], x->shape[2], x->shape[3], y->shape[1], w->shape[2], w->shape[3],
                     y->shape[2], y->shape[3], p->groups};
    float *yd = (float *)y->data;
    (void)err;
    int64_t plane = s.oh * s.ow, cg = s.c / s.groups, m = w->shape[1] * s.kh * s.kw;
    for (int64_t t = 0; t < s.n * s.o; t++) {
        float v = b != NULL ? ((const float *)b->data)[t % s.o] : 0.0f;
        for (int64_t k = 0; k < plane; k++) yd[t * plane + k] = v;
    }
    tconv_job jb = {(const float *)x->data, (const float *)w->data, NULL, yd, &s, p, 0, 0, 0, 0};
    int64_t chunk = cg > 1 && m > 0 ? tconv_chunk(s.h * s.w, cg, m) : 0;
    while (chunk > 0 && (a->scratch == NULL || tconv_chunk_bytes(chunk, cg, m) > a->scratch_bytes)) chunk /= 2;
    if (chunk > 0) {
        tconv_gemm(&jb, chunk, (float *)a->scratch, a->threads);
    } else {
        int64_t per = cg * s.kh * s.kw * s.h * s.w;
        ember_threads_for(a->threads, s.n * s.o, per > 0 ? EMBER_GEMM_MIN_SPLIT / per : 1, tconv_direct, &jb);
    }
    if (p->activation != EMBER_ACT_NONE) ember_activate_row(yd, y->count, p->activation);
    return EMBER_OK;
}

/* Scratch: the GEMM path's (tconv_chunk_bytes) at the declared sizes, planned with C/g = C
 * (the scratch does not see groups); only the GEMM panel for sizes it cannot take. */
static uint64_t scratch(const ember_operand *const *in, int32_t n_in) {
    const ember_operand *x = n_in > 0 ? in[0] : NULL, *w = n_in > 1 ? in[1] : NULL;
    if (x == NULL || w == NULL || x->rank != 4 || w->rank != 4) return EMBER_GEMM_SCRATCH_BYTES;
    int64_t m = 1, hw = 1;
    for (int d = 1; d < 4; d++) {
        if (w->shape[d] < 0 || (w->shape[d] > 0 && m > TCONV_MAX_ROW / w->shape[d])) return EMBER_GEMM_SCRATCH_BYTES;
        m *= w->shape[d];
    }
    for (int d = 2; d < 4; d++) {
        if (x->shape[d] < 0 || (x->shape[d] > 0 && hw > EMBER_MAX_ELEMENTS / x->shape[d])) return EMBER_GEMM_SCRATCH_BYTES;
        hw *= x->shape[d];
    }
    int64_t c = w->shape[0], chunk = c >= 0 && c <= TCONV_MAX_ROW ? tconv_chunk(hw, c, m) : 0;
    return chunk > 0 ? tconv_chunk_bytes(chunk, c, m) : EMBER_GEMM_SCRATCH_BYTES;
}

const ember_op_impl ember_op_conv_transpose2d = {"CONV_TRANSPOSE2D", check, eval, scratch};
