/* FULLY_CONNECTED: out[..., n] = sum_k x[..., k] * w[n, k] + bias[n], then the fused activation.
 * x: (..., K); w: (N, K); bias: (N) or NULL; out: (..., N).
 *
 * With an INT8 weight (scales sw per output channel) and FLOAT32 x, bias and out:
 *   weight-only:  out = (sum_k x[k] * (float)w[n, k]) * sw[n] + bias[n]
 *   dynamic (options.dynamic_quantization), per row of x:
 *       a = max_k |x[k]|; sx = a / 127 (1 when a is 0); q[k] = clamp(rint(x[k] / sx), -127, 127)
 *       (NaN gives 0); acc = sum_k q[k] * w[n, k] exactly;
 *       out = (float)acc * (sx * sw[n]) + bias[n]   -- each step one float32 operation,
 *   so the dynamic path gives the same bits as the Python runtime. */
#include "../gemm/gemm.h"
#include "op.h"

/* Fewer than four rows (a GEMM tile would be mostly padding): one dot product per output
 * (ember_dot_f32's order, four outputs at a time by ember_dot4_f32: the same bits), the
 * outputs of a row split over threads. */
typedef struct fc_gemv { const float *x, *w, *bias; float *y; int64_t k, n; int32_t activation; } fc_gemv;

static void gemv_range(const void *ctx, int64_t j0, int64_t j1) {
    const fc_gemv *t = (const fc_gemv *)ctx;
    for (int64_t j = j0; j < j1; j += 4) {
        float s[4];
        int64_t nj = j1 - j < 4 ? j1 - j : 4;
        if (nj == 4)
            ember_dot4_f32(t->x, t->w + j * t->k, t->k, t->k, s);
        else
            for (int64_t u = 0; u < nj; u++) s[u] = ember_dot_f32(t->x, t->w + (j + u) * t->k, t->k);
        for (int64_t u = 0; u < nj; u++)
            t->y[j + u] = ember_activate(s[u] + (t->bias ? t->bias[j + u] : 0.0f), t->activation);
    }
}

/* A PANELS16 weight: item u < n / 16 is the 16 outputs of panel u (ember_f32_gemv_panel),
 * item n / 16 + r is output n - n % 16 + r (a row-major tail row, ember_dot_f32). */
static void gemv_panels_range(const void *ctx, int64_t u0, int64_t u1) {
    const fc_gemv *t = (const fc_gemv *)ctx;
    int64_t groups = t->n / EMBER_GEMM_NR;
    for (int64_t u = u0; u < u1; u++) {
        float s[EMBER_GEMM_NR];
        int64_t j = u < groups ? u * EMBER_GEMM_NR : t->n - t->n % EMBER_GEMM_NR + (u - groups);
        int64_t nj = u < groups ? EMBER_GEMM_NR : 1;
        if (u < groups)
            ember_f32_gemv_panel(t->x, t->w + j * t->k, t->k, s);
        else
            s[0] = ember_dot_f32(t->x, t->w + j * t->k, t->k);
        for (int64_t v = 0; v < nj; v++)
            t->y[j + v] = ember_activate(s[v] + (t->bias ? t->bias[j + v] : 0.0f), t->activation);
    }
}

static void fully_connected_f32(const float *x, const float *w, int packed, const float *bias, float *y,
                                int64_t rows, int64_t k, int64_t n, int32_t activation, const ember_threads *th) {
    int64_t grain = EMBER_GEMM_MIN_SPLIT / (k > 0 ? k : 1);
    for (int64_t r = 0; r < rows; r++) {
        fc_gemv t = {x + r * k, w, bias, y + r * n, k, n, activation};
        if (packed)
            ember_threads_for(th, n / EMBER_GEMM_NR + n % EMBER_GEMM_NR, (grain + EMBER_GEMM_NR - 1) / EMBER_GEMM_NR,
                              gemv_panels_range, &t);
        else
            ember_threads_for(th, n, grain, gemv_range, &t);
    }
}

static void fully_connected_w8(const float *x, const int8_t *w, const ember_tensor *wt, const float *bias,
                               float *y, int64_t rows, int64_t k, int64_t n, int32_t activation) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * k;
        for (int64_t j = 0; j < n; j++) {
            const int8_t *wj = w + j * k;
            float acc = 0.0f;
            for (int64_t i = 0; i < k; i++) acc += xr[i] * (float)wj[i];
            float v = acc * ember_scale_at(wt, j);
            v = v + (bias ? bias[j] : 0.0f);
            y[r * n + j] = ember_activate(v, activation);
        }
    }
}

/* The row's scale: max |x| / 127, or 1 for a row of zeros. */
static float row_scale(const float *x, int64_t k) {
    float amax = 0.0f;
    for (int64_t i = 0; i < k; i++) {
        float v = x[i] < 0.0f ? -x[i] : x[i];
        if (v > amax) amax = v;
    }
    return amax > 0.0f ? amax / 127.0f : 1.0f;
}

static int8_t quantize_one(float x, float sx) {
    float v = rintf(x / sx);
    return (int8_t)(v != v ? 0.0f : v < -127.0f ? -127.0f : v > 127.0f ? 127.0f : v);
}

/* Blocks of outputs x chunks of inputs keep the scratch on the stack small (under
 * 1 KiB): a chunk is re-quantized once per block of 64 outputs. */
enum { DYN_OUT_BLOCK = 64, DYN_IN_CHUNK = 256 };

static void fully_connected_dyn(const float *x, const int8_t *w, const ember_tensor *wt, const float *bias,
                                float *y, int64_t rows, int64_t k, int64_t n, int32_t activation) {
    int8_t q[DYN_IN_CHUNK];
    int64_t acc[DYN_OUT_BLOCK];
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * k;
        float sx = row_scale(xr, k);
        for (int64_t j0 = 0; j0 < n; j0 += DYN_OUT_BLOCK) {
            int64_t jn = n - j0 < DYN_OUT_BLOCK ? n - j0 : DYN_OUT_BLOCK;
            for (int64_t j = 0; j < jn; j++) acc[j] = 0;
            for (int64_t i0 = 0; i0 < k; i0 += DYN_IN_CHUNK) {
                int64_t in = k - i0 < DYN_IN_CHUNK ? k - i0 : DYN_IN_CHUNK;
                for (int64_t i = 0; i < in; i++) q[i] = quantize_one(xr[i0 + i], sx);
                for (int64_t j = 0; j < jn; j++) {
                    const int8_t *wj = w + (j0 + j) * k + i0;
                    int64_t s = 0;
                    for (int64_t i = 0; i < in; i++) s += (int32_t)q[i] * wj[i];
                    acc[j] += s;
                }
            }
            for (int64_t j = 0; j < jn; j++) {
                float scale = sx * ember_scale_at(wt, j0 + j);
                float v = (float)acc[j] * scale;
                v = v + (bias ? bias[j0 + j] : 0.0f);
                y[r * n + j0 + j] = ember_activate(v, activation);
            }
        }
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL, *y = a->out;
    if (w->dtype == EMBER_DTYPE_INT8 && y->dtype == EMBER_DTYPE_FLOAT32) {
        if (w->scales == NULL || w->quant_axis > 0 || (w->n_scales != 1 && w->n_scales != w->shape[0]))
            return ember_fail(err, EMBER_ERR_VERIFY, "an INT8 weight needs a scale per output channel (or one)");
    } else if (a->p->act.dynamic_quantization) {
        return ember_fail(err, EMBER_ERR_VERIFY, "dynamic_quantization needs an INT8 weight");
    }
    char xs[96], ws[48], ys[96];
    int ok = w->rank == 2 && x->rank >= 1 && y->rank == x->rank && x->shape[x->rank - 1] == w->shape[1] &&
             y->shape[y->rank - 1] == w->shape[0];
    for (int d = 0; ok && d < x->rank - 1; d++) ok = x->shape[d] == y->shape[d];
    if (!ok)
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s, weight %s, output %s inconsistent",
                          ember_shape_str(x, xs, sizeof xs), ember_shape_str(w, ws, sizeof ws),
                          ember_shape_str(y, ys, sizeof ys));
    if (b != NULL && (b->rank != 1 || b->shape[0] != w->shape[0]))
        return ember_fail(err, EMBER_ERR_VERIFY, "bias must have shape (%lld)", (long long)w->shape[0]);
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL;
    int64_t k = w->shape[1], n = w->shape[0], rows = 1;
    (void)err;
    for (int d = 0; d < x->rank - 1; d++) rows *= x->shape[d];
    if (w->dtype == EMBER_DTYPE_INT8) {
        const float *bias = b ? (const float *)b->data : NULL;
        if (a->p->act.dynamic_quantization) {
            fully_connected_dyn((const float *)x->data, (const int8_t *)w->data, w, bias, (float *)a->out->data,
                                rows, k, n, a->p->act.activation);
        } else {
            fully_connected_w8((const float *)x->data, (const int8_t *)w->data, w, bias, (float *)a->out->data,
                               rows, k, n, a->p->act.activation);
        }
        return EMBER_OK;
    }
    int packed = w->layout == EMBER_LAYOUT_PANELS16;
    if (rows >= 4 && a->scratch_bytes >= EMBER_GEMM_SCRATCH_BYTES) {
        /* out (rows, N) = x (rows, K) x w^T (K, N) + bias: the GEMM packs w's rows as panel
         * columns, or reads a PANELS16 weight's panels in place (its tail rows are where
         * row-major rows would be, so b describes them either way) */
        ember_f32_gemm g = {rows, n, k, (const float *)x->data, k, (const float *)w->data, 1, k, NULL, NULL,
                            (float *)a->out->data, n, b ? (const float *)b->data : NULL, 1, a->p->act.activation,
                            packed ? (const float *)w->data : NULL, NULL};
        ember_f32_gemm_run_threads(&g, a->threads);
        return EMBER_OK;
    }
    fully_connected_f32((const float *)x->data, (const float *)w->data, packed, b ? (const float *)b->data : NULL,
                        (float *)a->out->data, rows, k, n, a->p->act.activation, a->threads);
    return EMBER_OK;
}

/* Scratch: the GEMM's (op.h), K = the weight's prod(w.shape[1:]). */
static uint64_t scratch(const ember_operand *const *in, int32_t n_in) {
    const ember_operand *w = n_in > 1 ? in[1] : NULL;
    return ember_gemm_scratch(w, 1, w != NULL ? w->rank : 0);
}

const ember_op_impl ember_op_fully_connected = {"FULLY_CONNECTED", check, eval, scratch};
