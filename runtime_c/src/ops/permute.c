/* PERMUTE: out.shape[i] = x.shape[perm[i]], out[i_0, ..., i_r-1] = x at index i_k on
 * dimension perm[k]; perm is a permutation of 0..rank-1. Any dtype (x and out share it):
 * elements are copied as bytes.
 * x: (d0, ..., dr-1); out: (d_perm[0], ..., d_perm[r-1]). */
#include "op.h"

typedef struct permute_shape {
    int rank;
    size_t item;                         /* bytes per element */
    int64_t out[EMBER_MAX_RANK];         /* out's shape */
    int64_t src_stride[EMBER_MAX_RANK];  /* x's stride (elements) along out's dimension i */
} permute_shape;

typedef struct permute_job { const void *x; void *y; const permute_shape *s; } permute_job;

/* Rows [begin, end) of out (its last dimension), in row-major order: row `begin`'s index
 * and source offset by mixed-radix decomposition, then odometer style. */
static void permute_rows(const void *ctx, int64_t begin, int64_t end) {
    const permute_job *j = (const permute_job *)ctx;
    const permute_shape *s = j->s;
    int r = s->rank;
    int64_t n = r > 0 ? s->out[r - 1] : 1, step = r > 0 ? s->src_stride[r - 1] : 0;
    int64_t idx[EMBER_MAX_RANK] = {0}, off = 0, rest = begin;
    for (int d = r - 2; d >= 0; d--) {
        idx[d] = rest % s->out[d];
        rest /= s->out[d];
        off += idx[d] * s->src_stride[d];
    }
    for (int64_t row = begin; row < end; row++) {
        ember_copy_strided((char *)j->y + (size_t)(row * n) * s->item, (const char *)j->x + (size_t)off * s->item, n, step,
                     s->item);
        for (int d = r - 2; d >= 0; d--) {   /* next row of out */
            idx[d]++;
            off += s->src_stride[d];
            if (idx[d] < s->out[d]) break;
            off -= s->src_stride[d] * s->out[d];
            idx[d] = 0;
        }
    }
}

/* x: x's shape; y: s->out, one last-dimension row at a time, rows split over threads. */
static void permute_bytes(const void *x, void *y, const permute_shape *s, const ember_threads *th) {
    int r = s->rank;
    int64_t rows = 1, n = r > 0 ? s->out[r - 1] : 1;
    for (int d = 0; d < r - 1; d++) rows *= s->out[d];
    if (n == 0) return;
    permute_job job = {x, y, s};
    int64_t bytes = n * (int64_t)s->item;   /* per row: at least 64 KiB a task */
    ember_threads_for(th, rows, bytes > 0 && bytes < 65536 ? 65536 / bytes : 1, permute_rows, &job);
}

static ember_status check(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    const ember_permute_params *p = &a->p->permute;
    uint32_t seen = 0;
    char xs[96], ys[96];
    if (x->dtype != y->dtype || x->rank != y->rank || p->n_perm != x->rank)
        return ember_fail(err, EMBER_ERR_VERIFY, "input %s (dtype %d), output %s (dtype %d), perm of %d axes inconsistent",
                          ember_shape_str(x, xs, sizeof xs), (int)x->dtype, ember_shape_str(y, ys, sizeof ys),
                          (int)y->dtype, (int)p->n_perm);
    for (int i = 0; i < p->n_perm; i++) {
        int32_t k = p->perm[i];
        if (k < 0 || k >= x->rank || ((seen >> k) & 1u))
            return ember_fail(err, EMBER_ERR_VERIFY, "perm[%d] = %d: repeated or out of range for rank %d", i, (int)k,
                              (int)x->rank);
        seen |= 1u << k;
        if (y->shape[i] != x->shape[k])
            return ember_fail(err, EMBER_ERR_VERIFY, "output dimension %d is %lld, input dimension %d is %lld", i,
                              (long long)y->shape[i], (int)k, (long long)x->shape[k]);
    }
    return EMBER_OK;
}

static ember_status eval(const ember_op_args *a, ember_error *err) {
    const ember_tensor *x = a->in[0], *y = a->out;
    permute_shape s;
    int64_t stride[EMBER_MAX_RANK], st = 1;
    (void)err;
    for (int d = x->rank - 1; d >= 0; d--) {
        stride[d] = st;
        st *= x->shape[d];
    }
    s.rank = x->rank;
    s.item = ember_dtype_size((ember_dtype)y->dtype);
    for (int i = 0; i < s.rank; i++) {
        s.out[i] = y->shape[i];
        s.src_stride[i] = stride[a->p->permute.perm[i]];
    }
    if (y->count > 0) permute_bytes(x->data, y->data, &s, a->threads);
    return EMBER_OK;
}

const ember_op_impl ember_op_permute = {"PERMUTE", check, eval, NULL};
