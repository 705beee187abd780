/* TOPK: the indices (INT64 or INT32) of the k largest (`largest`) or smallest elements
 * along `axis`, k = the output's size there (0 <= k <= n): descending values for
 * largest, else ascending; equal values keep their input order (a stable sort) and a NaN
 * is above every number (ties with another NaN). x: FLOAT32 or an integer dtype.
 * x: (outer, n, inner) around axis; out: (outer, k, inner). Each row's indices are
 * ordered in the op's kernel scratch (two int64 lists of n, per task): a bottom-up merge
 * sort, or for k <= TOPK_SMALL_K a bounded insertion into the first k (O(n k)). */
#include "arg.h"

enum { TOPK_SMALL_K = 16 };

/* Element u is above element v (strictly): a NaN above every number. */
#define TOPK_ABOVE_F32(u, v) ((u) > (v) || ((u) != (u) && (v) == (v)))
#define TOPK_ABOVE_INT(u, v) ((u) > (v))

/* Orders one row x[j * s], j < n: returns the list (idx or tmp) whose first k entries are
 * the answer. Element u goes strictly before v when largest ? above(u, v) : above(v, u);
 * otherwise the earlier index stays first (both paths are stable). */
#define TOPK_ROW(NAME, T, ABOVE)                                                             \
    static int64_t *NAME(const T *x, int64_t s, int64_t n, int64_t k, int largest, int64_t *idx, int64_t *tmp) { \
        if (k <= TOPK_SMALL_K) {                                                             \
            int64_t len = 0;                                                                 \
            for (int64_t j = 0; j < n; j++) {                                                \
                T u = x[j * s];                                                              \
                int64_t at = len;                                                            \
                while (at > 0) {                                                             \
                    T v = x[idx[at - 1] * s];                                                \
                    if (!(largest ? ABOVE(u, v) : ABOVE(v, u))) break;                       \
                    at--;                                                                    \
                }                                                                            \
                if (at >= k) continue;                                                       \
                if (len < k) len++;                                                          \
                for (int64_t q = len - 1; q > at; q--) idx[q] = idx[q - 1];                  \
                idx[at] = j;                                                                 \
            }                                                                                \
            return idx;                                                                      \
        }                                                                                    \
        for (int64_t j = 0; j < n; j++) idx[j] = j;                                          \
        for (int64_t w = 1; w < n; w *= 2) {                                                 \
            for (int64_t lo = 0; lo < n; lo += 2 * w) {                                      \
                int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n; \
                int64_t i = lo, j = mid, t = lo;                                             \
                while (i < mid && j < hi) {                                                  \
                    T u = x[idx[j] * s], v = x[idx[i] * s];                                  \
                    tmp[t++] = (largest ? ABOVE(u, v) : ABOVE(v, u)) ? idx[j++] : idx[i++];  \
                }                                                                            \
                while (i < mid) tmp[t++] = idx[i++];                                         \
                while (j < hi) tmp[t++] = idx[j++];                                          \
            }                                                                                \
            int64_t *swap = idx;                                                             \
            idx = tmp, tmp = swap;                                                           \
        }                                                                                    \
        return idx;                                                                          \
    }
TOPK_ROW(topk_row_f32, float, TOPK_ABOVE_F32)
TOPK_ROW(topk_row_i8, int8_t, TOPK_ABOVE_INT)
TOPK_ROW(topk_row_u8, uint8_t, TOPK_ABOVE_INT)
TOPK_ROW(topk_row_i32, int32_t, TOPK_ABOVE_INT)
TOPK_ROW(topk_row_i64, int64_t, TOPK_ABOVE_INT)

/* The ordered list of row x[base + j * s], j < n, of x's dtype xt (see TOPK_ROW). */
static int64_t *topk_row(const void *x, uint8_t xt, int64_t base, int64_t s, int64_t n, int64_t k, int largest,
                         int64_t *idx, int64_t *tmp) {
    switch (xt) {
    case EMBER_DTYPE_FLOAT32: return topk_row_f32((const float *)x + base, s, n, k, largest, idx, tmp);
    case EMBER_DTYPE_INT8: return topk_row_i8((const int8_t *)x + base, s, n, k, largest, idx, tmp);
    case EMBER_DTYPE_INT32: return topk_row_i32((const int32_t *)x + base, s, n, k, largest, idx, tmp);
    case EMBER_DTYPE_INT64: return topk_row_i64((const int64_t *)x + base, s, n, k, largest, idx, tmp);
    default: return topk_row_u8((const uint8_t *)x + base, s, n, k, largest, idx, tmp);
    }
}

typedef struct topk_job {
    const ember_tensor *x;
    ember_tensor *y;
    ember_axis_rows r;
    int64_t k, rows;
    int largest;
    int32_t parts;
    const ember_op_args *a;
} topk_job;

/* Task t: rows [rows * t / parts, rows * (t + 1) / parts) with scratch slice t. */
static void topk_task(void *ctx, int32_t t) {
    const topk_job *j = (const topk_job *)ctx;
    const ember_axis_rows r = j->r;
    const ember_threads *th = j->a->threads;
    int64_t *idx = (int64_t *)(t == 0 || th == NULL ? j->a->scratch : ember_threads_scratch(th, t));
    int64_t *tmp = idx + r.len;   /* (n) each */
    for (int64_t q = j->rows * t / j->parts; q < j->rows * (t + 1) / j->parts; q++) {
        int64_t o = q / r.inner, i = q % r.inner, out = o * j->k * r.inner + i;   /* out: (k) at stride inner */
        const int64_t *best = topk_row(j->x->data, j->x->dtype, o * r.len * r.inner + i, r.inner, r.len, j->k,
                                       j->largest, idx, tmp);
        for (int64_t p = 0; p < j->k; p++) ember_store_int(j->y->data, j->y->dtype, out + p * r.inner, (uint64_t)best[p]);
    }
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    int32_t axis = a->p->topk.axis;
    char xs[96], ys[96];
    ember_status st = ember_ranking_check(x, y, axis, err);
    if (st != EMBER_OK) return st;
    int ok = y->rank == x->rank && y->shape[axis] <= x->shape[axis];
    for (int d = 0; ok && d < x->rank; d++) ok = d == axis || y->shape[d] == x->shape[d];
    if (!ok)
        return ember_fail(err, EMBER_ERR_VERIFY, "output %s is not input %s with at most its size on axis %d",
                          ember_shape_str(y, ys, sizeof ys), ember_shape_str(x, xs, sizeof xs), (int)axis);
    uint64_t need = 16u * (uint64_t)x->shape[axis];
    if (y->count > 0 && (a->scratch == NULL || a->scratch_bytes < need))
        return ember_fail(err, EMBER_ERR_VERIFY, "rows of %lld need %llu bytes of kernel scratch; the method has %zu",
                          (long long)x->shape[axis], (unsigned long long)need, a->scratch == NULL ? (size_t)0 : a->scratch_bytes);
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0];
    int32_t axis = a->p->topk.axis;
    topk_job job = {x, a->out, ember_axis_split(x, axis), a->out->shape[axis], 0, a->p->topk.largest != 0, 1, a};
    (void)err;
    job.rows = job.r.outer * job.r.inner;
    if (job.rows == 0 || job.k == 0) return EMBER_OK;
    /* rows split over the tasks (each row is ordered the same way in any task) when there is work */
    if (a->threads != NULL && a->threads->n > 1 && job.rows > 1 && job.rows * job.r.len >= 16384)
        job.parts = job.rows < a->threads->n ? (int32_t)job.rows : a->threads->n;
    ember_threads_run(a->threads, job.parts, topk_task, &job);
    return EMBER_OK;
}

/* Two int64 lists of n, n the longest dimension of x as the file declares it (the axis is
 * an option, not seen here); nothing for a missing or negative shape. */
static uint64_t scratch(const ember_operand *const *in, int32_t n_in) {
    uint64_t n = 0;
    if (n_in < 1 || in[0] == NULL) return 0;
    for (int32_t d = 0; d < in[0]->rank; d++)
        if (in[0]->shape[d] > 0 && (uint64_t)in[0]->shape[d] > n) n = (uint64_t)in[0]->shape[d];
    if (n > ((uint64_t)1 << 40)) n = (uint64_t)1 << 40;   /* past the format's bound: refused at load anyway */
    return 16u * n;
}

const ember_op_impl ember_op_topk = {"TOPK", check, eval, scratch};
