/* BATCH_MATMUL: out[..., m, n] = sum_k a[..., m, k] * b[..., k, n], numpy matmul with
 * broadcast batch dimensions. a: (..., M, K); b: (..., K, N); out: (..., M, N); rank >= 2,
 * one dtype for all three.
 *   FLOAT32: the blocked GEMM (src/gemm), summed in float32 in K order (fused multiply-add
 *     on SIMD targets), as numpy (the Python runtime) sums in float32 through BLAS in its
 *     own order: the two differ by rounding, about K * 6e-8 * sum_k |a*b|, inside 1e-5
 *     for unit-scale data unless K is in the thousands or the sum cancels heavily.
 *     (Without planned scratch, a direct loop sums each dot product in double.)
 *   Integers: wrap on overflow, as numpy. BOOL: out = OR_k (a AND b), as numpy. */
#include "../gemm/gemm.h"
#include "op.h"

typedef struct bmm_shape {
    int rank;                                     /* batch dimensions of out */
    int64_t batch[EMBER_MAX_RANK];                /* out's batch sizes */
    int64_t sa[EMBER_MAX_RANK], sb[EMBER_MAX_RANK];   /* batch strides (elements), 0 = broadcast */
    int64_t m, k, n;
} bmm_shape;

/* One (M, K) x (K, N) product per dtype. a: (M, K); b: (K, N); y: (M, N). */
static void matmul_float(const float *a, const float *b, float *y, int64_t m, int64_t k, int64_t n) {
    /* 64 columns at a time, p outer so b's rows are read in order; each dot product is
     * still summed over p = 0..k-1 in double, rounded once */
    double acc[64];
    for (int64_t i = 0; i < m; i++)
        for (int64_t j0 = 0; j0 < n; j0 += 64) {
            int64_t w = n - j0 < 64 ? n - j0 : 64;
            for (int64_t j = 0; j < w; j++) acc[j] = 0.0;
            for (int64_t p = 0; p < k; p++) {
                double av = (double)a[i * k + p];
                const float *bp = b + p * n + j0;
                for (int64_t j = 0; j < w; j++) acc[j] += av * (double)bp[j];
            }
            for (int64_t j = 0; j < w; j++) y[i * n + j0 + j] = (float)acc[j];
        }
}

#define MATMUL_INT(T)                                                                        \
    static void matmul_##T(const T *a, const T *b, T *y, int64_t m, int64_t k, int64_t n) {  \
        for (int64_t i = 0; i < m; i++)                                                      \
            for (int64_t j = 0; j < n; j++) {                                                \
                uint64_t acc = 0;                                                            \
                for (int64_t p = 0; p < k; p++)                                              \
                    acc += (uint64_t)(int64_t)a[i * k + p] * (uint64_t)(int64_t)b[p * n + j]; \
                y[i * n + j] = (T)acc;                                                       \
            }                                                                                \
    }
MATMUL_INT(int8_t)
MATMUL_INT(uint8_t)
MATMUL_INT(int32_t)
MATMUL_INT(int64_t)

static void matmul_bool(const uint8_t *a, const uint8_t *b, uint8_t *y, int64_t m, int64_t k, int64_t n) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            uint8_t acc = 0;
            for (int64_t p = 0; p < k && !acc; p++) acc = (uint8_t)(a[i * k + p] != 0 && b[p * n + j] != 0);
            y[i * n + j] = acc;
        }
}

/* One product of `dtype`: the blocked GEMM for FLOAT32 where th is given (scratch was
 * planned), else the direct loop of the dtype. */
static void matmul(const void *a, const void *b, void *y, uint8_t dtype, const bmm_shape *s, const ember_threads *th) {
    if (dtype == EMBER_DTYPE_FLOAT32 && th != NULL) {
        ember_f32_gemm g = {s->m, s->n, s->k, (const float *)a, s->k, (const float *)b, s->n, 1, NULL, NULL,
                            (float *)y, s->n, NULL, 0, EMBER_ACT_NONE, NULL, NULL};
        ember_f32_gemm_run_threads(&g, th);
        return;
    }
#define MATMUL(T, f) matmul_##T((const T *)a, (const T *)b, (T *)y, s->m, s->k, s->n)
    EMBER_DTYPE_SWITCH(dtype, MATMUL, matmul_bool((const uint8_t *)a, (const uint8_t *)b, (uint8_t *)y, s->m, s->k, s->n));
#undef MATMUL
}

/* Every batch: a, b, y are (batch..., M, K), (batch..., K, N), (batch..., M, N) with
 * a's and b's batch dimensions broadcast by the strides in s. */
static void batch_matmul(const void *a, const void *b, void *y, uint8_t dtype, const bmm_shape *s,
                         const ember_threads *th) {
    int64_t batches = 1, idx[EMBER_MAX_RANK] = {0}, oa = 0, ob = 0;
    size_t item = ember_dtype_size((ember_dtype)dtype);
    for (int d = 0; d < s->rank; d++) batches *= s->batch[d];
    for (int64_t t = 0; t < batches; t++) {
        matmul((const char *)a + (size_t)oa * item, (const char *)b + (size_t)ob * item,
               (char *)y + (size_t)(t * s->m * s->n) * item, dtype, s, th);
        for (int d = s->rank - 1; d >= 0; d--) {   /* next batch index, odometer style */
            idx[d]++;
            oa += s->sa[d];
            ob += s->sb[d];
            if (idx[d] < s->batch[d]) break;
            oa -= s->sa[d] * s->batch[d];
            ob -= s->sb[d] * s->batch[d];
            idx[d] = 0;
        }
    }
}

/* Strides of t's batch dimensions seen at `rank` batch dimensions (0 where broadcast);
 * `matrix` is the element count of one of t's matrices. */
void ember_bmm_batch_strides(const ember_tensor *t, int rank, int64_t matrix, int64_t st[EMBER_MAX_RANK]) {
    int shift = rank - (t->rank - 2);
    int64_t s = matrix;
    for (int d = rank - 1; d >= 0; d--) {
        int dt = d - shift;
        st[d] = dt < 0 || t->shape[dt] == 1 ? 0 : s;
        if (dt >= 0) s *= t->shape[dt];
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *y = a->out;
    char xs[96], ws[96], ys[96];
    if (x->dtype != y->dtype || w->dtype != y->dtype)
        return ember_fail(err, EMBER_ERR_VERIFY, "dtypes %d x %d -> %d: all three must agree", (int)x->dtype,
                          (int)w->dtype, (int)y->dtype);
    int ok = x->rank >= 2 && w->rank >= 2 && y->rank == (x->rank > w->rank ? x->rank : w->rank);
    if (ok) ok = x->shape[x->rank - 1] == w->shape[w->rank - 2] && y->shape[y->rank - 2] == x->shape[x->rank - 2] &&
                 y->shape[y->rank - 1] == w->shape[w->rank - 1];
    for (int d = 0; ok && d < y->rank - 2; d++) {   /* batch dimensions broadcast */
        int dx = d - (y->rank - x->rank), dw = d - (y->rank - w->rank);
        int64_t p = dx >= 0 ? x->shape[dx] : 1, q = dw >= 0 ? w->shape[dw] : 1;
        ok = (p == q || p == 1 || q == 1) && y->shape[d] == (p == 1 ? q : p);
    }
    if (!ok)
        return ember_fail(err, EMBER_ERR_VERIFY, "a %s, b %s, output %s: not (..., M, K) x (..., K, N) -> (..., M, N)",
                          ember_shape_str(x, xs, sizeof xs), ember_shape_str(w, ws, sizeof ws),
                          ember_shape_str(y, ys, sizeof ys));
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *w = a->in[1], *y = a->out;
    bmm_shape s;
    (void)err;
    s.rank = y->rank - 2;
    s.m = y->shape[y->rank - 2];
    s.n = y->shape[y->rank - 1];
    s.k = x->shape[x->rank - 1];
    for (int d = 0; d < s.rank; d++) s.batch[d] = y->shape[d];
    ember_bmm_batch_strides(x, s.rank, s.m * s.k, s.sa);
    ember_bmm_batch_strides(w, s.rank, s.k * s.n, s.sb);
    batch_matmul(x->data, w->data, y->data, y->dtype, &s,
                 a->scratch_bytes >= EMBER_GEMM_SCRATCH_BYTES ? a->threads : NULL);
    return EMBER_OK;
}

/* Scratch: the GEMM's (op.h), K = b's shape[-2] (b: (..., K, N)). */
static uint64_t scratch(const ember_operand *const *in, int32_t n_in) {
    const ember_operand *b = n_in > 1 ? in[1] : NULL;
    return ember_gemm_scratch(b, b != NULL ? b->rank - 2 : 0, b != NULL ? b->rank - 1 : 0);
}

const ember_op_impl ember_op_batch_matmul = {"BATCH_MATMUL", check, eval, scratch};
