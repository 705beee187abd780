/* FULLY_CONNECTED int8 (reference: runtime_py/kernels/int8/fully_connected.py):
 *   acc[..., n] = bias[n] + sum_k (x[..., k] - x_zp) * w[n, k]   (exact, saturated to int32)
 *   out = clamp(mbqm(acc, m[n], s[n]) + out_zp, act_min, act_max). */
#include "../../gemm/gemm.h"
#include "fixed.h"

extern const ember_op_impl ember_op_fully_connected;

/* Four rows or more: an int8 GEMM with the weight as A and the rows as B's columns,
 *   acc^T (N, rows) = w (N, K) x (x - x_zp)^T (K, rows),
 * exact in int32, then bias in int64 and requantization: the same bits as below. */
typedef struct fc_i8_gemm {
    const int8_t *x; int8_t *y; const int32_t *bias; const ember_quant *q;
    int64_t k, n;
    int32_t x_zp, y_zp;
} fc_i8_gemm;

static void pack_rows(const void *ctx, int64_t k, int64_t j0, int64_t nc, int16_t *panel) {
    const fc_i8_gemm *t = (const fc_i8_gemm *)ctx;
    ember_i8_pack_pairs(t->x + j0 * k, k, 1, k, nc, t->x_zp, panel);   /* x: (rows, K) */
}

static void store_rows(void *ctx, int64_t i0, int64_t rows, int64_t j0, int64_t cols, const int32_t *tile) {
    const fc_i8_gemm *t = (const fc_i8_gemm *)ctx;
    for (int64_t r = 0; r < rows; r++) {
        int64_t o = i0 + r;
        int32_t qi = t->q->n == 1 ? 0 : (int32_t)o;
        int32_t m = ember_q_at(t->q->multiplier, qi), sh = ember_q_shift(t->q, qi);
        int8_t v[EMBER_GEMM_NR];   /* the tile row requantized, then stored down a column of y */
        ember_requantize_row(tile + r * EMBER_GEMM_NR, cols, t->bias ? t->bias[o] : 0, m, sh, t->y_zp,
                             t->q->act_min, t->q->act_max, v);
        for (int64_t j = 0; j < cols; j++) t->y[(j0 + j) * t->n + o] = v[j];
    }
}

static void fully_connected_i8(const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y, int64_t rows,
                               int64_t k, int64_t n, const ember_quant *q, int32_t x_zp, int32_t y_zp) {
    for (int64_t r = 0; r < rows; r++) {
        const int8_t *xr = x + r * k;          /* (K) */
        for (int64_t j = 0; j < n; j++) {
            const int8_t *wj = w + j * k;      /* (K) */
            int64_t acc = bias ? bias[j] : 0;
            for (int64_t i = 0; i < k; i++) acc += (int64_t)((int32_t)xr[i] - x_zp) * wj[i];
            int32_t qi = q->n == 1 ? 0 : (int32_t)j;
            y[r * n + j] = ember_requantize(acc, ember_q_at(q->multiplier, qi), ember_q_shift(q, qi), y_zp,
                                            q->act_min, q->act_max);
        }
    }
}

/* Fewer than four rows, K <= EMBER_GEMM_I8_MAX_K and scratch for K int16: per row, x - x_zp
 * widened once (xs), then one int32 dot product per output over a thread's range of
 * outputs (exact: no partial sum leaves int32), and bias in int64 as above. */
typedef struct fc_i8_gemv {
    const int16_t *xs; const int8_t *w; const int32_t *bias; int8_t *y; const ember_quant *q;
    int64_t k;
    int32_t y_zp;
} fc_i8_gemv;

/* s[u] = sum_i x[i] * w[u * k + i] for u < 4 in int32: four outputs share each load of x
 * and keep four independent sums; the loop vectorises as widening multiply-adds. */
static inline void dot4_i16_i8(const int16_t *restrict x, const int8_t *restrict w, int64_t k, int32_t s[4]) {
    int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int64_t i = 0; i < k; i++) {
        int32_t v = x[i];
        s0 += v * w[i], s1 += v * w[k + i], s2 += v * w[2 * k + i], s3 += v * w[3 * k + i];
    }
    s[0] = s0, s[1] = s1, s[2] = s2, s[3] = s3;
}

/* sum_i x[i] * w[i] in int32 (the last outputs of a range). */
static inline int32_t dot_i16_i8(const int16_t *restrict x, const int8_t *restrict w, int64_t k) {
    int32_t s = 0;
    for (int64_t i = 0; i < k; i++) s += (int32_t)x[i] * (int32_t)w[i];
    return s;
}

static void gemv_range(const void *ctx, int64_t j0, int64_t j1) {
    const fc_i8_gemv *t = (const fc_i8_gemv *)ctx;
    const ember_quant *q = t->q;
    for (int64_t j = j0; j < j1; j += 4) {
        int32_t s[4];
        int64_t nj = j1 - j < 4 ? j1 - j : 4;
        if (nj == 4)
            dot4_i16_i8(t->xs, t->w + j * t->k, t->k, s);
        else
            for (int64_t u = 0; u < nj; u++) s[u] = dot_i16_i8(t->xs, t->w + (j + u) * t->k, t->k);
        for (int64_t u = 0; u < nj; u++) {
            int64_t acc = (t->bias ? t->bias[j + u] : 0) + (int64_t)s[u];
            int32_t qi = q->n == 1 ? 0 : (int32_t)(j + u);
            t->y[j + u] = ember_requantize(acc, ember_q_at(q->multiplier, qi), ember_q_shift(q, qi), t->y_zp,
                                           q->act_min, q->act_max);
        }
    }
}

static void fully_connected_i8_gemv(const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y, int64_t rows,
                                    int64_t k, int64_t n, const ember_quant *q, int32_t x_zp, int32_t y_zp,
                                    int16_t *xs, const ember_threads *th) {
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t i = 0; i < k; i++) xs[i] = (int16_t)((int32_t)x[r * k + i] - x_zp);
        fc_i8_gemv t = {xs, w, bias, y + r * n, q, k, y_zp};
        ember_threads_for(th, n, EMBER_GEMM_MIN_SPLIT / (k > 0 ? k : 1), gemv_range, &t);
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    return ember_check_weighted(&ember_op_fully_connected, a, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *b = a->n_in > 2 ? a->in[2] : NULL;
    int64_t rows = 1;
    (void)err;
    for (int d = 0; d < x->rank - 1; d++) rows *= x->shape[d];
    int64_t k = w->shape[1], n = w->shape[0];
    if (rows >= 4 && k >= 1 && k <= EMBER_GEMM_I8_MAX_K && a->scratch_bytes >= EMBER_GEMM_I8_SCRATCH_BYTES(k)) {
        fc_i8_gemm t = {(const int8_t *)x->data, (int8_t *)a->out->data, b ? (const int32_t *)b->data : NULL, a->q,
                        k, n, x->zero_point, a->out->zero_point};
        ember_i8_gemm gm = {n, rows, k, (const int8_t *)w->data, k, pack_rows, &t, store_rows, &t, 0, x->zero_point, NULL};
        ember_i8_gemm_run_threads(&gm, a->threads);
        return EMBER_OK;
    }
    if (k >= 1 && k <= EMBER_GEMM_I8_MAX_K && a->scratch_bytes >= (size_t)k * sizeof(int16_t)) {
        fully_connected_i8_gemv((const int8_t *)x->data, (const int8_t *)w->data, b ? (const int32_t *)b->data : NULL,
                                (int8_t *)a->out->data, rows, k, n, a->q, x->zero_point, a->out->zero_point,
                                (int16_t *)a->scratch, a->threads);
        return EMBER_OK;
    }
    fully_connected_i8((const int8_t *)x->data, (const int8_t *)w->data, b ? (const int32_t *)b->data : NULL,
                       (int8_t *)a->out->data, rows, w->shape[1], w->shape[0], a->q, x->zero_point,
                       a->out->zero_point);
    return EMBER_OK;
}

const ember_op_impl ember_op_fully_connected_int8 = {"FULLY_CONNECTED", check, eval, NULL};
