/* BATCH_MATMUL int8 (reference: runtime_py/kernels/int8/batch_matmul.py):
 *   acc[..., m, n] = sum_k (a[..., m, k] - a_zp) * (b[..., k, n] - b_zp)   (batch dims broadcast)
 *   out = clamp(mbqm(acc, m0, s0) + out_zp, act_min, act_max). */
#include "fixed.h"

extern const ember_op_impl ember_op_batch_matmul;

/* One batch's product, exactly: (a - a_zp) x (b - b_zp), requantized a row at a time. */
static void matmul_i8(const int8_t *a, const int8_t *b, int8_t *y, int64_t m, int64_t k, int64_t n,
                      const ember_quant *q, int32_t a_zp, int32_t b_zp, int32_t y_zp) {
    int32_t mult = ember_q_at(q->multiplier, 0), sh = ember_q_shift(q, 0);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            int64_t acc = 0;
            for (int64_t p = 0; p < k; p++)
                acc += (int64_t)((int32_t)a[i * k + p] - a_zp) * ((int32_t)b[p * n + j] - b_zp);
            y[i * n + j] = ember_requantize(acc, mult, sh, y_zp, q->act_min, q->act_max);
        }
}

/* Through the int8 GEMM (K <= EMBER_GEMM_I8_MAX_K_ZP): A = a (M, K) widened minus a_zp,
 * B = b - b_zp packed in pairs along K; the same integers as matmul_i8. */
typedef struct bmm_i8_gemm {
    const int8_t *b; int8_t *y; const ember_quant *q;
    int64_t n;
    int32_t b_zp, y_zp;
} bmm_i8_gemm;

static void pack_b(const void *ctx, int64_t k, int64_t j0, int64_t nc, int16_t *panel) {
    const bmm_i8_gemm *t = (const bmm_i8_gemm *)ctx;
    ember_i8_pack_pairs(t->b + j0, t->n, 0, k, nc, t->b_zp, panel);   /* b: (K, N) */
}

static void store_rows(void *ctx, int64_t i0, int64_t rows, int64_t j0, int64_t cols, const int32_t *tile) {
    const bmm_i8_gemm *t = (const bmm_i8_gemm *)ctx;
    int32_t mult = ember_q_at(t->q->multiplier, 0), sh = ember_q_shift(t->q, 0);
    for (int64_t r = 0; r < rows; r++)
        ember_requantize_row(tile + r * EMBER_GEMM_NR, cols, 0, mult, sh, t->y_zp, t->q->act_min, t->q->act_max,
                             t->y + (i0 + r) * t->n + j0);
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    return ember_check_q8(&ember_op_batch_matmul, a, 2, 1, err);
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *y = a->out;
    int rank = y->rank - 2;
    int64_t m = y->shape[y->rank - 2], n = y->shape[y->rank - 1], k = x->shape[x->rank - 1];
    int64_t sa[EMBER_MAX_RANK], sb[EMBER_MAX_RANK], idx[EMBER_MAX_RANK] = {0}, oa = 0, ob = 0, batches = 1;
    (void)err;
    ember_bmm_batch_strides(x, rank, m * k, sa);
    ember_bmm_batch_strides(w, rank, k * n, sb);
    for (int d = 0; d < rank; d++) batches *= y->shape[d];
    for (int64_t t = 0; t < batches; t++) {
        const int8_t *ap = (const int8_t *)x->data + oa, *bp = (const int8_t *)w->data + ob;
        int8_t *yp = (int8_t *)y->data + t * m * n;
        if (k >= 1 && k <= EMBER_GEMM_I8_MAX_K_ZP && a->scratch_bytes >= EMBER_GEMM_I8_SCRATCH_BYTES(k)) {
            bmm_i8_gemm g = {bp, yp, a->q, n, w->zero_point, y->zero_point};
            ember_i8_gemm gm = {m, n, k, ap, k, pack_b, &g, store_rows, &g, x->zero_point, w->zero_point, NULL};
            ember_i8_gemm_run_threads(&gm, a->threads);
        } else {
            matmul_i8(ap, bp, yp, m, k, n, a->q, x->zero_point, w->zero_point, y->zero_point);
        }
        for (int d = rank - 1; d >= 0; d--) {      /* next batch index, odometer style */
            idx[d]++;
            oa += sa[d];
            ob += sb[d];
            if (idx[d] < y->shape[d]) break;
            oa -= sa[d] * idx[d];
            ob -= sb[d] * idx[d];
            idx[d] = 0;
        }
    }
    return EMBER_OK;
}

const ember_op_impl ember_op_batch_matmul_int8 = {"BATCH_MATMUL", check, eval, NULL};
